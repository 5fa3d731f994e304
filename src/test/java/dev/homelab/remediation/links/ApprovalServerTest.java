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
    String url = "http://127.0.0.1:" + port + "/approve/" + token;
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try (ApprovalServer server =
        ApprovalServer.start(cfg, "127.0.0.1", client, Clock.fixed(NOW, ZoneOffset.UTC))) {
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
    RemediationProposal after =
        client
            .resources(RemediationProposal.class)
            .inNamespace(NS)
            .withName(p.getMetadata().getName())
            .get();
    assertThat(after.getMetadata().getAnnotations())
        .doesNotContainKey("remediation.homelab.dev/approval");
    assertThat(after.getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);
  }
}
