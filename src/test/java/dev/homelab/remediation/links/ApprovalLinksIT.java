package dev.homelab.remediation.links;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.runtime.Running;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestClock;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Approval links end to end: the operator in-process with real Redis, the mock API server in CRUD
 * mode and a fake Ollama; the links port spoken to over HTTP on loopback, as a phone or ntfy would.
 */
@MockKube
class ApprovalLinksIT {
  static final String SECRET = "links-it-secret-0123456789abcdefghij";
  static final String APPROVAL = "remediation.homelab.dev/approval";
  static final String APPROVED_BY = "remediation.homelab.dev/approved-by";
  static KubernetesClient client;
  static TestRedis redis;
  static final AtomicInteger SEQ = new AtomicInteger();
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path tmp;
  FakeOllama ollama;
  TestClock clock;
  String namespace;
  String channel;
  Path pendingDir;
  Running running;
  OperatorConfig cfg;
  String base;

  @BeforeAll
  static void startRedis() {
    redis = new TestRedis();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @BeforeEach
  void setUp() throws IOException {
    TestKube.installCrd(client);
    int n = SEQ.incrementAndGet();
    namespace = "links-" + n;
    channel = "health_links_" + n;
    ollama = new FakeOllama();
    clock = new TestClock();
    pendingDir = Files.createDirectories(tmp.resolve("pending-actions"));
  }

  @AfterEach
  void tearDown() {
    if (running != null) {
      running.close();
    }
    ollama.close();
  }

  void start(boolean links) throws IOException {
    int port = TestRedis.freePort();
    base = "http://127.0.0.1:" + port;
    Map<String, String> v = new HashMap<>();
    v.put("REDIS_URL", redis.url());
    v.put("WATCH_NAMESPACE", namespace);
    v.put("HEALTH_CHANNEL", channel);
    v.put("WORLD_CHANNEL", channel + "_world");
    v.put("NODE_NAME", "solaria");
    v.put("LLM_CHAIN", "ollama:llama3.1:8b@" + ollama.baseUrl());
    v.put("LLM_TIMEOUT_SECONDS", "5");
    v.put("PENDING_ACTIONS_DIR", pendingDir.toString());
    v.put("EVENTS_DIR", Files.createDirectories(tmp.resolve("events")).toString());
    v.put("FOLD_FLUSH_MILLIS", "100");
    v.put("HTTP_PORT", "0");
    v.put("LEADER_ELECTION", "false");
    if (links) {
      v.put("APPROVAL_LINK_BASE_URL", base + "/");
      v.put("APPROVAL_LINK_SECRET", SECRET);
      v.put("APPROVAL_PORT", Integer.toString(port));
    }
    cfg = OperatorConfig.withDefaults(v);
    running =
        Running.start(
            new Wiring(cfg, client, new SimpleMeterRegistry(), clock, false),
            "127.0.0.1",
            "127.0.0.1");
    await().atMost(Duration.ofSeconds(20)).until(running::ready);
  }

  /** A chelsty incident: the policy makes it wait for a person. */
  RemediationProposal awaiting() throws IOException {
    start(true);
    ollama.enqueue(FakeReply.proposal("restart", 0.95, false, null));
    String json =
        "{\"event_type\":\"service_unhealthy\",\"node\":\"chelsty\",\"service\":\"zigbee2mqtt\","
            + "\"message\":\"health check failing\",\"timestamp\":\"2026-05-27T17:11:39Z\"}";
    assertThat(redis.publish(channel, json)).isEqualTo(1);
    return awaitPhase(Phase.AwaitingApproval);
  }

  RemediationProposal only() {
    List<RemediationProposal> all = TestKube.proposals(client, namespace);
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  RemediationProposal awaitPhase(Phase phase) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              List<RemediationProposal> all = TestKube.proposals(client, namespace);
              return all.size() == 1
                  && all.get(0).getStatus() != null
                  && all.get(0).getStatus().getPhase() == phase;
            });
    return only();
  }

  Map<String, String> annotations() {
    Map<String, String> a = only().getMetadata().getAnnotations();
    return a == null ? Map.of() : Map.copyOf(a);
  }

  ApprovalLinks links() {
    return ApprovalLinks.from(cfg);
  }

  String token(String url) {
    return url.substring(url.lastIndexOf('/') + 1);
  }

  String signed(RemediationProposal p, String ns, String uid, Verdict v, Instant expires) {
    String name = p.getMetadata().getName();
    return new ApprovalTokens(SECRET)
        .sign(new ApprovalTokens.Claims(ns, name, uid, v, expires, "ntfy"));
  }

  static HttpResponse<String> send(String method, String url, String body) throws Exception {
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body);
    HttpRequest r =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .method(method, publisher)
            .build();
    return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String url) throws Exception {
    return send("POST", url, null);
  }

  static HttpResponse<String> get(String url) throws Exception {
    return send("GET", url, null);
  }

  List<Path> pendingFiles() throws IOException {
    try (Stream<Path> s = Files.list(pendingDir)) {
      return s.filter(f -> !f.getFileName().toString().startsWith(".")).toList();
    }
  }

  @Test
  void aValidLinkApprovesOnceAndTheProposalIsDispatched() throws Exception {
    RemediationProposal p = awaiting();
    String url = links().approveUrl(p, "ntfy").orElseThrow();
    assertThat(url).startsWith(base + "/approve/");

    // A GET (a link preview, a prefetcher, the person's browser) only shows the page.
    HttpResponse<String> page = get(url);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("X-Frame-Options")).contains("DENY");
    assertThat(page.headers().firstValue("Cache-Control")).contains("no-store");
    assertThat(page.body())
        .contains("Approve restart of chelsty/zigbee2mqtt?")
        .contains("<form method=\"post\">")
        .contains("always-human-node")
        .contains(p.getMetadata().getName());
    HttpResponse<String> head = send("HEAD", url, null);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> true);
    assertThat(annotations()).doesNotContainKeys(APPROVAL, APPROVED_BY);
    assertThat(only().getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);

    // The button.
    HttpResponse<String> done = post(url);
    assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
    assertThat(done.body()).contains("Approved: restart of chelsty/zigbee2mqtt");
    RemediationProposal dispatched = awaitPhase(Phase.Dispatched);
    assertThat(dispatched.getStatus().getApproval().getBy()).isEqualTo("annotation:link:ntfy");
    assertThat(annotations())
        .containsEntry(APPROVAL, "approved")
        .containsEntry(APPROVED_BY, "link:ntfy");
    List<Path> files = pendingFiles();
    assertThat(files).hasSize(1);
    assertThat(JSON.readTree(files.get(0).toFile()).get("approved_by").asText())
        .isEqualTo("annotation:link:ntfy");

    // It acted once: the same link again, or the other verdict's, changes nothing.
    Map<String, String> after = annotations();
    assertThat(post(url).statusCode()).isEqualTo(409);
    assertThat(get(url).statusCode()).isEqualTo(409);
    assertThat(post(links().rejectUrl(p, "ntfy").orElseThrow()).statusCode()).isEqualTo(409);
    assertThat(annotations()).isEqualTo(after);
    assertThat(only().getStatus().getPhase()).isEqualTo(Phase.Dispatched);
    assertThat(pendingFiles()).hasSize(1);
  }

  @Test
  void aRejectLinkRejectsAndWritesNothing() throws Exception {
    RemediationProposal p = awaiting();
    HttpResponse<String> r = post(links().rejectUrl(p, "webhook").orElseThrow());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("Rejected");
    RemediationProposal rejected = awaitPhase(Phase.Rejected);
    assertThat(rejected.getStatus().getApproval().getBy()).isEqualTo("annotation:link:webhook");
    assertThat(annotations()).containsEntry(APPROVAL, "rejected");
    assertThat(pendingFiles()).isEmpty();
  }

  @Test
  void forgedExpiredWrongVerdictAndWrongUidLinksChangeNothing() throws Exception {
    RemediationProposal p = awaiting();
    String uid = p.getMetadata().getUid();
    Map<String, String> before = annotations();
    String approve = links().approveUrl(p, "ntfy").orElseThrow();
    String token = token(approve);
    String flipped =
        token.substring(0, token.length() - 2)
            + (token.charAt(token.length() - 2) == 'A' ? 'B' : 'A')
            + token.charAt(token.length() - 1);
    String otherKey =
        new ApprovalTokens("another-secret-0123456789abcdefghijkl")
            .sign(
                new ApprovalTokens.Claims(
                    namespace,
                    p.getMetadata().getName(),
                    uid,
                    Verdict.APPROVE,
                    clock.instant().plus(Duration.ofHours(1)),
                    "ntfy"));
    Instant later = clock.instant().plus(Duration.ofHours(1));
    Map<String, Integer> expected =
        Map.of(
            base + "/approve/" + flipped, 403,
            base + "/approve/" + otherKey, 403,
            base + "/approve/not.atoken", 403,
            // Padded the way some base64 tools write it, raw and percent-encoded: not ours.
            base + "/approve/" + token + "==", 403,
            base + "/approve/" + token + "%3D", 403,
            // An approve token on the reject path, and the other way round.
            base + "/reject/" + token, 403,
            base + "/approve/" + token(links().rejectUrl(p, "ntfy").orElseThrow()), 403,
            base + "/approve/" + signed(p, "elsewhere", uid, Verdict.APPROVE, later), 403,
            base + "/approve/" + signed(p, namespace, uid, Verdict.APPROVE, clock.instant()), 410,
            base
                    + "/approve/"
                    + signed(
                        p,
                        namespace,
                        "0badc0de-0000-4000-8000-000000000000",
                        Verdict.APPROVE,
                        later),
                410);
    for (Map.Entry<String, Integer> e : expected.entrySet()) {
      HttpResponse<String> r = post(e.getKey());
      assertThat(r.statusCode()).as("POST %s: %s", e.getKey(), r.body()).isEqualTo(e.getValue());
      assertThat(r.body()).contains("Nothing was changed.").doesNotContain("Z Nothing");
      assertThat(get(e.getKey()).statusCode()).as("GET %s", e.getKey()).isEqualTo(e.getValue());
    }
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> true);
    assertThat(annotations()).isEqualTo(before).doesNotContainKey(APPROVAL);
    assertThat(only().getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(pendingFiles()).isEmpty();

    // The real link still works afterwards: nothing above used it up.
    assertThat(post(approve).statusCode()).isEqualTo(200);
    awaitPhase(Phase.Dispatched);
  }

  /**
   * An approval annotation set while the model was still answering decides nothing (SPEC 6) and
   * stays: the link says so and how to clear it, not "Already decided", and changes nothing.
   */
  @Test
  void aLinkOnAProposalWithAnEarlyAnnotationSaysItIsNotDecided() throws Exception {
    start(true);
    ollama.enqueue(FakeReply.proposal("restart", 0.95, false, null).delayed(Duration.ofSeconds(3)));
    String json =
        "{\"event_type\":\"service_unhealthy\",\"node\":\"chelsty\",\"service\":\"zigbee2mqtt\","
            + "\"message\":\"health check failing\",\"timestamp\":\"2026-05-27T17:11:39Z\"}";
    assertThat(redis.publish(channel, json)).isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> TestKube.proposals(client, namespace).size() == 1);
    client
        .resources(RemediationProposal.class)
        .inNamespace(namespace)
        .withName(only().getMetadata().getName())
        .edit(
            r -> {
              Map<String, String> a = new HashMap<>();
              if (r.getMetadata().getAnnotations() != null) {
                a.putAll(r.getMetadata().getAnnotations());
              }
              a.put(APPROVAL, "approved");
              a.put(APPROVED_BY, "early");
              r.getMetadata().setAnnotations(a);
              return r;
            });
    RemediationProposal p = awaitPhase(Phase.AwaitingApproval);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "approved".equals(only().getStatus().getStaleApproval()));

    HttpResponse<String> r = post(links().approveUrl(only(), "ntfy").orElseThrow());
    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(r.body())
        .contains("Not decided: an early annotation is in the way")
        .contains(
            "kubectl annotate rp -n "
                + namespace
                + " "
                + p.getMetadata().getName()
                + " remediation.homelab.dev/approval-")
        .doesNotContain("Already decided");
    Thread.sleep(500);
    assertThat(only().getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(annotations()).containsEntry(APPROVED_BY, "early");
    assertThat(pendingFiles()).isEmpty();
  }

  @Test
  void aProposalAnnotatedMeanwhileIsNotDecidedTwice() throws Exception {
    RemediationProposal p = awaiting();
    client
        .resources(RemediationProposal.class)
        .inNamespace(namespace)
        .withName(p.getMetadata().getName())
        .edit(
            r -> {
              r.getMetadata().getAnnotations().put(APPROVAL, "rejected");
              r.getMetadata().getAnnotations().put(APPROVED_BY, "alice");
              return r;
            });
    HttpResponse<String> r = post(links().approveUrl(p, "ntfy").orElseThrow());
    assertThat(r.statusCode()).isIn(409);
    awaitPhase(Phase.Rejected);
    assertThat(annotations())
        .containsEntry(APPROVAL, "rejected")
        .containsEntry(APPROVED_BY, "alice");
  }

  @Test
  void theLinksPortServesNothingElseAndBoundsRequests() throws Exception {
    RemediationProposal p = awaiting();
    Map<String, String> before = annotations();
    String url = links().approveUrl(p, "ntfy").orElseThrow();
    for (String path :
        List.of("/", "/healthz", "/metrics", "/approve", "/approve/", "/approve/a/b", "/x/abc")) {
      assertThat(get(base + path).statusCode()).as(path).isEqualTo(404);
      assertThat(post(base + path).statusCode()).as(path).isEqualTo(404);
    }
    HttpResponse<String> put = send("PUT", url, "");
    assertThat(put.statusCode()).isEqualTo(405);
    assertThat(put.headers().firstValue("Allow")).contains("GET, HEAD, POST");
    assertThat(send("DELETE", url, null).statusCode()).isEqualTo(405);

    int big = ApprovalServer.MAX_REQUEST_BYTES + 1;
    assertThat(post(base + "/approve/" + "a".repeat(big)).statusCode()).isEqualTo(413);
    assertThat(send("POST", url, "x".repeat(big)).statusCode()).isEqualTo(413);
    HttpResponse<String> headers =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("X-Padding", "p".repeat(big))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(headers.statusCode()).isEqualTo(413);
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> true);
    assertThat(annotations()).isEqualTo(before);
    assertThat(only().getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);

    // A small body (a form's) is fine.
    assertThat(send("POST", url, "confirm=1").statusCode()).isEqualTo(200);
    awaitPhase(Phase.Dispatched);
  }

  @Test
  void linksAreOffWithoutTheirSettings() throws Exception {
    start(false);
    assertThat(running.linksPort()).isZero();
    assertThat(ApprovalLinks.from(cfg).enabled()).isFalse();
  }
}
