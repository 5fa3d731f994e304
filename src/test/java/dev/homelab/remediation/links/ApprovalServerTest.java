package dev.homelab.remediation.links;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestProposals;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The links server on loopback against the mock API server in CRUD mode, without the operator: a
 * proposal as the cluster holds it while the operator is down.
 */
@MockKube
class ApprovalServerTest {
  static final String SECRET = "server-test-secret-0123456789abcdefgh";
  static final String NS = "links-server";
  static final Instant NOW = Instant.parse("2026-05-28T18:00:00Z");
  static KubernetesClient client;

  /**
   * A link whose own expiry is later than the proposal's status.expiresAt (a status written since
   * the link was made) answers 410 once the proposal's expiry has passed, though its phase still
   * says AwaitingApproval, and sets no annotation.
   */
  @Test
  void aLinkOutlivingTheProposalsExpiryAnswersGoneAndChangesNothing() throws Exception {
    TestKube.installCrd(client);
    RemediationProposal p = TestProposals.awaitingApproval();
    p.getMetadata().setNamespace(NS);
    p.getStatus().setExpiresAt(NOW.minusSeconds(60).toString());
    String uid = TestKube.put(client, p).getMetadata().getUid();
    int port = TestRedis.freePort();
    String url = approveUrl(port, p, uid);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try (ApprovalServer server = start(port)) {
      for (String method : new String[] {"GET", "POST"}) {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(url))
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + r.body()).isEqualTo(410);
        assertThat(r.body())
            .contains("The proposal expired at " + NOW.minusSeconds(60))
            .contains("Nothing was changed.");
      }
    }
    RemediationProposal after = stored(p);
    assertThat(after.getMetadata().getAnnotations())
        .doesNotContainKey("remediation.homelab.dev/approval");
    assertThat(after.getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);
  }

  /**
   * In the proposal's last seconds a decision could reach the operator after its expiry (and be
   * ignored): the link answers 410 "Too late" and sets no annotation, rather than "approved".
   */
  @Test
  void aLinkUsedInTheProposalsLastSecondsIsTooLateAndChangesNothing() throws Exception {
    TestKube.installCrd(client);
    RemediationProposal p = TestProposals.awaitingApproval();
    p.getMetadata().setNamespace(NS);
    p.getMetadata().setName("nearly-expired");
    p.getStatus().setExpiresAt(NOW.plusSeconds(3).toString());
    String uid = TestKube.put(client, p).getMetadata().getUid();
    int port = TestRedis.freePort();
    String url = approveUrl(port, p, uid);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try (ApprovalServer server = start(port)) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(410);
      assertThat(r.body())
          .contains("too soon for a decision to reach the operator")
          .contains("Nothing was changed.");
    }
    RemediationProposal after = stored(p);
    assertThat(after.getMetadata().getAnnotations())
        .doesNotContainKey("remediation.homelab.dev/approval");
  }

  static ApprovalServer start(int port) throws java.io.IOException {
    OperatorConfig cfg =
        OperatorConfig.withDefaults(
            Map.of(
                "WATCH_NAMESPACE",
                NS,
                "APPROVAL_LINK_BASE_URL",
                "http://127.0.0.1:" + port + "/",
                "APPROVAL_LINK_SECRET",
                SECRET,
                "APPROVAL_PORT",
                Integer.toString(port)));
    return ApprovalServer.start(cfg, "127.0.0.1", client, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  static String approveUrl(int port, RemediationProposal p, String uid) {
    String token =
        new ApprovalTokens(SECRET)
            .sign(
                new ApprovalTokens.Claims(
                    NS,
                    p.getMetadata().getName(),
                    uid,
                    Verdict.APPROVE,
                    NOW.plus(Duration.ofHours(1)),
                    "ntfy"));
    return "http://127.0.0.1:" + port + "/approve/" + token;
  }

  static RemediationProposal stored(RemediationProposal p) {
    return client
        .resources(RemediationProposal.class)
        .inNamespace(NS)
        .withName(p.getMetadata().getName())
        .get();
  }

  /**
   * An early annotation removed, but not yet seen gone by the operator (status.staleApproval still
   * set, as while it is down or busy): a link answers 409 "try again" and sets nothing, since the
   * operator would read the new annotation as the early one and decide nothing, silently.
   */
  @Test
  void aLinkBeforeTheOperatorSawAnEarlyAnnotationRemovedAsksToTryAgain() throws Exception {
    TestKube.installCrd(client);
    RemediationProposal p = TestProposals.awaitingApproval();
    p.getMetadata().setNamespace(NS);
    p.getMetadata().setName("early-removed");
    p.getStatus().setExpiresAt(NOW.plusSeconds(3600).toString());
    p.getStatus().setStaleApproval("approved");
    String uid = TestKube.put(client, p).getMetadata().getUid();
    int port = TestRedis.freePort();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try (ApprovalServer server = start(port)) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(approveUrl(port, p, uid)))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
      assertThat(r.body())
          .contains("Try again in a moment")
          .contains("early approval=approved annotation was removed");
    }
    assertThat(stored(p).getMetadata().getAnnotations())
        .doesNotContainKey("remediation.homelab.dev/approval");
  }

  /**
   * Clients that send half a request and stop (as many as the server has threads) hold it for
   * {@link dev.homelab.remediation.util.HttpServers#REQUEST_SECONDS} at most: then their
   * connections are closed and a link is answered. Without the bound, never.
   */
  @Test
  void clientsThatStopHalfwayHoldTheServerForALimitedTimeOnly() throws Exception {
    TestKube.installCrd(client);
    RemediationProposal p = TestProposals.awaitingApproval();
    p.getMetadata().setNamespace(NS);
    p.getMetadata().setName("stalled");
    p.getStatus().setExpiresAt(NOW.minusSeconds(60).toString());
    String uid = TestKube.put(client, p).getMetadata().getUid();
    int port = TestRedis.freePort();
    List<java.net.Socket> stalled = new java.util.ArrayList<>();
    try (ApprovalServer server = start(port)) {
      for (int k = 0; k < ApprovalServer.THREADS; k++) {
        java.net.Socket s = new java.net.Socket("127.0.0.1", port);
        s.getOutputStream()
            .write(
                (k % 2 == 0
                        ? "POST /approve/x HTTP/1.1\r\nHost: a\r\nContent-Length: 8000\r\n\r\nab"
                        : "POST /approve/x HTT")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        stalled.add(s);
      }
      Thread.sleep(300); // each now blocks a thread of the server
      long started = System.nanoTime();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(approveUrl(port, p, uid)))
                  .timeout(
                      Duration.ofSeconds(
                          dev.homelab.remediation.util.HttpServers.REQUEST_SECONDS * 3L))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(410);
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isLessThan(
              Duration.ofSeconds(dev.homelab.remediation.util.HttpServers.REQUEST_SECONDS * 2L));
      for (java.net.Socket s : stalled) {
        s.setSoTimeout(5000);
        assertThat(s.getInputStream().read()).as("closed by the server").isEqualTo(-1);
      }
    } finally {
      for (java.net.Socket s : stalled) {
        s.close();
      }
    }
  }
}
