package dev.homelab.remediation.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.homelab.remediation.api.v1alpha1.NotificationRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.runtime.Running;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.support.FakeAlertmanager;
import dev.homelab.remediation.support.FakeNtfy;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.FakeWebhook;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestClock;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator in-process (real redis-server, the Fabric8 mock API server in CRUD mode, a fake
 * Ollama answering with low confidence so a person must decide) notifying a fake webhook, a fake
 * ntfy and a fake Alertmanager over HTTP: what each receives when a proposal awaits approval and
 * when it is approved or expires, and what the proposal's status records.
 */
@MockKube
@Timeout(120)
class NotificationFlowIT {
  static KubernetesClient client;
  static TestRedis redis;
  static final AtomicInteger SEQ = new AtomicInteger();

  @TempDir Path tmp;
  FakeOllama ollama;
  FakeWebhook webhook;
  FakeNtfy ntfy;
  FakeAlertmanager alertmanager;
  TestClock clock;
  SimpleMeterRegistry registry;
  String namespace;
  String channel;
  Running running;

  @BeforeAll
  static void startRedis() {
    redis = new TestRedis();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @BeforeEach
  void setUp() {
    TestKube.installCrd(client);
    int n = SEQ.incrementAndGet();
    namespace = "notify-" + n;
    channel = "health_notify_" + n;
    ollama = new FakeOllama();
    ollama.setDefault(FakeReply.proposal("restart", 0.5, false, null));
    webhook = new FakeWebhook();
    ntfy = new FakeNtfy();
    alertmanager = new FakeAlertmanager();
    clock = new TestClock();
    registry = new SimpleMeterRegistry();
  }

  @AfterEach
  void tearDown() {
    if (running != null) {
      running.close();
    }
    ollama.close();
    webhook.close();
    ntfy.close();
    alertmanager.close();
  }

  void start(Map<String, String> extra) throws IOException {
    Map<String, String> v = new HashMap<>();
    v.put("REDIS_URL", redis.url());
    v.put("WATCH_NAMESPACE", namespace);
    v.put("HEALTH_CHANNEL", channel);
    v.put("WORLD_CHANNEL", channel + "_world");
    v.put("NODE_NAME", "solaria");
    v.put("LLM_CHAIN", "ollama:llama3.1:8b@" + ollama.baseUrl());
    v.put("PENDING_ACTIONS_DIR", Files.createDirectories(tmp.resolve("p")).toString());
    v.put("EVENTS_DIR", Files.createDirectories(tmp.resolve("e")).toString());
    v.put("FOLD_FLUSH_MILLIS", "100");
    v.put("HTTP_PORT", "0");
    v.put("LEADER_ELECTION", "false");
    v.put("NOTIFY_WEBHOOK_URL", webhook.url());
    v.put("NOTIFY_NTFY_URL", ntfy.url());
    v.put("NOTIFY_NTFY_TOKEN", "tk_flow");
    v.put("NOTIFY_ALERTMANAGER_URL", alertmanager.url());
    v.putAll(extra);
    running =
        Running.start(
            new Wiring(OperatorConfig.withDefaults(v), client, registry, clock, false),
            "127.0.0.1",
            "127.0.0.1");
    await().atMost(Duration.ofSeconds(20)).until(running::ready);
  }

  void publish() {
    String json =
        "{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\"ollama\","
            + "\"severity\":\"warning\",\"message\":\"health check failing\","
            + "\"timestamp\":\"2026-05-27T17:11:39Z\"}";
    assertThat(redis.publish(channel, json)).isEqualTo(1);
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
              List<RemediationProposal> ps = TestKube.proposals(client, namespace);
              return ps.size() == 1
                  && ps.get(0).getStatus() != null
                  && ps.get(0).getStatus().getPhase() == phase;
            });
    return only();
  }

  NotificationRecord awaitNotification(String event) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              NotificationRecord n = only().getStatus().getNotification();
              return n != null && event.equals(n.getEvent());
            });
    return only().getStatus().getNotification();
  }

  void annotate(String key, String value) {
    client
        .resources(RemediationProposal.class)
        .inNamespace(namespace)
        .withName(only().getMetadata().getName())
        .edit(
            r -> {
              r.getMetadata().getAnnotations().put(key, value);
              return r;
            });
  }

  double count(String target, String result) {
    Counter c =
        registry
            .find("remediation.notifications")
            .tag("target", target)
            .tag("result", result)
            .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void awaitingThenApprovedByAnnotation() throws IOException {
    start(Map.of());
    publish();
    RemediationProposal p = awaitPhase(Phase.AwaitingApproval);
    NotificationRecord awaiting = awaitNotification("awaiting_approval");
    assertThat(awaiting.getResult()).isEqualTo("Sent");
    assertThat(awaiting.getTargets()).containsExactly("webhook", "ntfy", "alertmanager");
    assertThat(only().getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);

    JsonNode hook = webhook.payloads().get(0);
    assertThat(hook.get("event").asText()).isEqualTo("awaiting_approval");
    assertThat(hook.at("/proposal/namespace").asText()).isEqualTo(namespace);
    assertThat(hook.at("/proposal/name").asText()).isEqualTo(p.getMetadata().getName());
    assertThat(hook.at("/proposal/uid").asText()).isEqualTo(p.getMetadata().getUid());
    assertThat(hook.get("svc_key").asText()).isEqualTo("solaria/ollama");
    assertThat(hook.get("event_type").asText()).isEqualTo("service_unhealthy");
    assertThat(hook.get("action").asText()).isEqualTo("restart");
    assertThat(hook.get("reason").asText()).isEqualTo("fake model reason");
    assertThat(hook.get("confidence").asDouble()).isEqualTo(0.5);
    assertThat(hook.get("model").asText()).isEqualTo("ollama/llama3.1:8b");
    assertThat(hook.get("occurrences").asLong()).isEqualTo(1);
    assertThat(hook.get("expires_at").asText())
        .isEqualTo(
            java.time.Instant.parse(p.getStatus().getProposal().getAnsweredAt())
                .plus(Duration.ofHours(24))
                .toString());
    assertThat(hook.has("approve_url")).as("links are off").isFalse();

    FakeNtfy.Request push = ntfy.requests().get(0);
    assertThat(push.header("Title")).isEqualTo("Approve restart of solaria/ollama?");
    assertThat(push.header("Priority")).isEqualTo("high");
    assertThat(push.header("Authorization")).isEqualTo("Bearer tk_flow");
    assertThat(push.header("Actions")).as("links are off").isNull();
    assertThat(push.body()).contains(p.getMetadata().getName());

    JsonNode alert = alertmanager.alerts().get(0);
    assertThat(alert.at("/labels/alertname").asText()).isEqualTo("RemediationAwaitingApproval");
    assertThat(alert.at("/labels/proposal").asText()).isEqualTo(p.getMetadata().getName());
    assertThat(alert.at("/labels/svc_key").asText()).isEqualTo("solaria/ollama");
    assertThat(FakeAlertmanager.resolved(alert, clock.instant())).isFalse();

    annotate("remediation.homelab.dev/approval", "approved");
    awaitPhase(Phase.Dispatched);
    NotificationRecord decided = awaitNotification("decided");
    assertThat(decided.getResult()).isEqualTo("Sent");

    assertThat(webhook.events()).containsExactly("awaiting_approval", "decided");
    assertThat(webhook.payloads().get(1).get("decision").asText()).isEqualTo("approved");
    assertThat(webhook.payloads().get(1).get("decided_by").asText()).isEqualTo("annotation");
    assertThat(ntfy.requests()).hasSize(2);
    assertThat(ntfy.requests().get(1).header("Title")).startsWith("Approved: ");
    List<JsonNode> alerts = alertmanager.alerts();
    assertThat(alerts).hasSize(2);
    assertThat(alerts.get(1).get("labels")).isEqualTo(alerts.get(0).get("labels"));
    assertThat(FakeAlertmanager.resolved(alerts.get(1), clock.instant())).isTrue();
    // Dispatched after Approved is not a notification.
    assertThat(count("webhook", "sent")).isEqualTo(2.0);
    assertThat(count("ntfy", "failed")).isZero();
    assertThat(only().getStatus().getConditions())
        .extracting("type")
        .contains("Proposed", "Approved", "Dispatched");
  }

  /** Starts the operator with approval links on, served on a free port of 127.0.0.1. */
  String startWithLinks() throws IOException {
    int port = TestRedis.freePort();
    String base = "http://127.0.0.1:" + port;
    start(
        Map.of(
            "APPROVAL_LINK_BASE_URL",
            base,
            "APPROVAL_LINK_SECRET",
            "a-test-secret-of-at-least-32-characters",
            "APPROVAL_PORT",
            String.valueOf(port)));
    return base;
  }

  static HttpResponse<String> post(String url) throws IOException, InterruptedException {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** {@code url} with the target in its token's payload changed, the signature kept. */
  static String retargeted(String url, String from, String to) {
    int slash = url.lastIndexOf('/');
    String token = url.substring(slash + 1);
    int dot = token.indexOf('.');
    String payload =
        new String(Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8);
    assertThat(payload).endsWith("|" + from);
    String changed = payload.substring(0, payload.length() - from.length()) + to;
    return url.substring(0, slash + 1)
        + Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(changed.getBytes(StandardCharsets.UTF_8))
        + token.substring(dot);
  }

  @Test
  void thePhonesApproveButtonApprovesAsLinkNtfyAndItsTargetCannotBeChanged() throws Exception {
    String base = startWithLinks();
    publish();
    awaitPhase(Phase.AwaitingApproval);
    awaitNotification("awaiting_approval");

    String hookApprove = webhook.payloads().get(0).get("approve_url").asText();
    assertThat(hookApprove).startsWith(base + "/approve/");
    assertThat(webhook.payloads().get(0).get("reject_url").asText()).contains("/reject/");
    List<FakeNtfy.Action> buttons = FakeNtfy.actions(ntfy.requests().get(0).header("Actions"));
    assertThat(buttons).extracting(FakeNtfy.Action::type).containsExactly("http", "http");
    String phoneApprove = buttons.get(0).url();
    assertThat(phoneApprove).startsWith(base + "/approve/");
    String alertApprove = alertmanager.alerts().get(0).at("/annotations/approve_url").asText();
    assertThat(alertApprove).startsWith(base + "/approve/");
    // Each target's links are its own.
    assertThat(List.of(hookApprove, phoneApprove, alertApprove)).doesNotHaveDuplicates();

    // The target is signed: the phone's link made to say "webhook" is a forgery, nothing changes.
    assertThat(post(retargeted(phoneApprove, "ntfy", "webhook")).statusCode()).isEqualTo(403);
    assertThat(only().getMetadata().getAnnotations())
        .doesNotContainKey("remediation.homelab.dev/approval");
    assertThat(only().getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);

    assertThat(post(phoneApprove).statusCode()).isEqualTo(200);
    RemediationProposal done = awaitPhase(Phase.Dispatched);
    assertThat(done.getMetadata().getAnnotations())
        .containsEntry("remediation.homelab.dev/approved-by", "link:ntfy");
    assertThat(done.getStatus().getApproval().getBy()).isEqualTo("annotation:link:ntfy");
    awaitNotification("decided");
    assertThat(webhook.payloads().get(1).get("decided_by").asText())
        .isEqualTo("annotation:link:ntfy");
    // It acts once.
    assertThat(post(phoneApprove).statusCode()).isEqualTo(409);
  }

  @Test
  void theWebhooksRejectLinkRejectsAsLinkWebhook() throws Exception {
    startWithLinks();
    publish();
    awaitPhase(Phase.AwaitingApproval);
    awaitNotification("awaiting_approval");

    String reject = webhook.payloads().get(0).get("reject_url").asText();
    assertThat(post(reject).statusCode()).isEqualTo(200);
    RemediationProposal done = awaitPhase(Phase.Rejected);
    assertThat(done.getMetadata().getAnnotations())
        .containsEntry("remediation.homelab.dev/approved-by", "link:webhook");
    assertThat(done.getStatus().getApproval().getBy()).isEqualTo("annotation:link:webhook");
    awaitNotification("decided");
    assertThat(webhook.payloads().get(1).get("decision").asText()).isEqualTo("rejected");
    assertThat(webhook.payloads().get(1).get("decided_by").asText())
        .isEqualTo("annotation:link:webhook");
    // Already decided: the phone's reject button changes nothing more.
    String phoneReject = FakeNtfy.actions(ntfy.requests().get(0).header("Actions")).get(1).url();
    assertThat(post(phoneReject).statusCode()).isEqualTo(409);
    assertThat(only().getStatus().getApproval().getBy()).isEqualTo("annotation:link:webhook");
  }

  @Test
  void awaitingThenExpired() throws IOException {
    start(Map.of("APPROVAL_TTL", "24h"));
    publish();
    awaitPhase(Phase.AwaitingApproval);
    awaitNotification("awaiting_approval");
    clock.advance(Duration.ofHours(25));
    annotate("example.com/touch", "1"); // any change makes the operator look again
    awaitPhase(Phase.Expired);
    NotificationRecord expired = awaitNotification("expired");
    assertThat(expired.getResult()).isEqualTo("Sent");

    assertThat(webhook.events()).containsExactly("awaiting_approval", "expired");
    assertThat(webhook.payloads().get(1).get("decision").asText()).isEqualTo("expired");
    assertThat(ntfy.requests().get(1).header("Title"))
        .isEqualTo("Expired: restart of solaria/ollama");
    List<JsonNode> alerts = alertmanager.alerts();
    assertThat(alerts).hasSize(2);
    assertThat(FakeAlertmanager.resolved(alerts.get(1), clock.instant())).isTrue();
  }

  /**
   * Every model failing until APPROVAL_TTL: nobody was asked about the proposal, so its expiry is
   * the one word people get of it (SPEC 10: "when it is decided or expires").
   */
  @Test
  void aProposalNoModelAnsweredIsToldWhenItExpires() throws IOException {
    ollama.setDefault(FakeReply.status(500));
    start(Map.of("APPROVAL_TTL", "24h", "RETRY_BASE_SECONDS", "60"));
    publish();
    awaitPhase(Phase.Failed);
    assertThat(webhook.events()).as("nothing to approve, nothing told").isEmpty();
    clock.advance(Duration.ofHours(25));
    annotate("example.com/touch", "1"); // any change makes the operator look again
    awaitPhase(Phase.Expired);
    NotificationRecord expired = awaitNotification("expired");
    assertThat(expired.getResult()).isEqualTo("Sent");

    assertThat(webhook.events()).containsExactly("expired");
    JsonNode payload = webhook.payloads().get(0);
    assertThat(payload.get("decision").asText()).isEqualTo("expired");
    assertThat(payload.get("action").isNull()).isTrue();
    assertThat(payload.get("svc_key").asText()).isEqualTo("solaria/ollama");
    assertThat(ntfy.requests().get(0).header("Title"))
        .isEqualTo("Expired, no model answered: solaria/ollama");
    assertThat(ntfy.requests().get(0).body()).contains("no model answered by");
    List<JsonNode> alerts = alertmanager.alerts();
    assertThat(alerts).hasSize(1);
    assertThat(FakeAlertmanager.resolved(alerts.get(0), clock.instant())).isTrue();
  }

  /** A restart while a proposal waits: its alert is refreshed again, nothing is notified twice. */
  @Test
  void aRestartResumesTheAlertOfAWaitingProposal() throws IOException {
    start(Map.of());
    publish();
    awaitPhase(Phase.AwaitingApproval);
    awaitNotification("awaiting_approval");
    running.close();
    running = null;
    assertThat(alertmanager.requests()).hasSize(1);

    start(Map.of());
    await().atMost(Duration.ofSeconds(10)).until(() -> alertmanager.requests().size() == 2);
    JsonNode again = alertmanager.alerts().get(1);
    assertThat(again.at("/labels/proposal").asText()).isEqualTo(only().getMetadata().getName());
    assertThat(FakeAlertmanager.resolved(again, clock.instant())).isFalse();
    assertThat(webhook.events()).containsExactly("awaiting_approval");
    assertThat(ntfy.requests()).hasSize(1);
  }

  /** kubectl delete rp while it waits: its alert is resolved at once and refreshed no more. */
  @Test
  void aProposalDeletedWhileWaitingResolvesItsAlert() throws IOException {
    start(Map.of("NOTIFY_ALERTMANAGER_REFRESH_SECONDS", "10"));
    publish();
    RemediationProposal p = awaitPhase(Phase.AwaitingApproval);
    awaitNotification("awaiting_approval");
    assertThat(alertmanager.requests()).hasSize(1);

    client
        .resources(RemediationProposal.class)
        .inNamespace(namespace)
        .withName(p.getMetadata().getName())
        .delete();
    await().atMost(Duration.ofSeconds(5)).until(() -> alertmanager.requests().size() == 2);
    List<JsonNode> alerts = alertmanager.alerts();
    assertThat(alerts.get(1).get("labels")).isEqualTo(alerts.get(0).get("labels"));
    assertThat(FakeAlertmanager.resolved(alerts.get(1), clock.instant())).isTrue();
    assertThat(alerts.get(1).at("/annotations/decision").asText()).isEqualTo("deleted");
    // Past a whole refresh period (10 s): nothing more reaches Alertmanager.
    await()
        .during(Duration.ofSeconds(11))
        .atMost(Duration.ofSeconds(13))
        .until(() -> alertmanager.requests().size() == 2);
    assertThat(webhook.events()).containsExactly("awaiting_approval");
    assertThat(ntfy.requests()).hasSize(1);
  }

  static final Map<String, String> FAST_RETRIES =
      Map.of("NOTIFY_ATTEMPTS", "2", "NOTIFY_RETRY_INITIAL_MILLIS", "100");

  Map<String, String> with(Map<String, String> a, String k, String v) {
    Map<String, String> m = new HashMap<>(a);
    m.put(k, v);
    return m;
  }

  /**
   * The Notified condition; the last one, as the mock server's JSON merge patch appends to the
   * lists it is given (a real API server replaces them).
   */
  io.fabric8.kubernetes.api.model.Condition notified() {
    return only().getStatus().getConditions().stream()
        .filter(c -> "Notified".equals(c.getType()))
        .reduce((a, b) -> b)
        .orElse(null);
  }

  /** ntfy answers 503 for longer than the retries: the person is told once it is back. */
  @Test
  void aNotificationGivenUpArrivesWhenTheReceiverIsBack() throws IOException {
    ntfy.answer(503);
    start(with(FAST_RETRIES, "NOTIFY_RETRY_LATER_SECONDS", "1"));
    publish();
    awaitPhase(Phase.AwaitingApproval);
    NotificationRecord failed = awaitNotification("awaiting_approval");
    assertThat(failed.getResult()).isEqualTo("Failed");
    assertThat(failed.getMessage()).contains("ntfy: failed after 2 attempts (HTTP 503)");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> notified() != null && "Failed".equals(notified().getReason()));
    assertThat(notified().getStatus()).isEqualTo("False");
    // Down for a few more periods: tried again about once a second.
    await().atMost(Duration.ofSeconds(10)).until(() -> ntfy.requests().size() >= 4);

    ntfy.answer(200);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "Sent".equals(only().getStatus().getNotification().getResult()));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> notified() != null && "True".equals(notified().getStatus()));
    assertThat(notified().getReason()).isEqualTo("Sent");
    List<FakeNtfy.Request> pushes = ntfy.requests();
    assertThat(pushes.get(pushes.size() - 1).header("Title"))
        .isEqualTo("Approve restart of solaria/ollama?");
    int after = pushes.size();
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .until(() -> ntfy.requests().size() == after);
    assertThat(webhook.events()).as("the webhook had it the first time").hasSize(1);
    assertThat(only().getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);
  }

  /** Recorded Failed before a restart: the new instance tells the targets that failed. */
  @Test
  void aRestartSendsAgainWhatWasRecordedFailed() throws IOException {
    ntfy.answer(503);
    start(with(FAST_RETRIES, "NOTIFY_RETRY_LATER_SECONDS", "3600"));
    publish();
    awaitPhase(Phase.AwaitingApproval);
    assertThat(awaitNotification("awaiting_approval").getResult()).isEqualTo("Failed");
    running.close();
    running = null;
    assertThat(ntfy.requests()).hasSize(2);

    ntfy.answer(200);
    start(with(FAST_RETRIES, "NOTIFY_RETRY_LATER_SECONDS", "3600"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "Sent".equals(only().getStatus().getNotification().getResult()));
    assertThat(ntfy.requests()).hasSize(3);
    assertThat(ntfy.requests().get(2).header("Title"))
        .isEqualTo("Approve restart of solaria/ollama?");
    assertThat(only().getStatus().getNotification().getMessage())
        .isEqualTo("webhook: sent; ntfy: sent; alertmanager: sent");
    assertThat(webhook.events()).as("the webhook is not told twice").hasSize(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> alertmanager.requests().size() == 2);
  }
}
