package dev.homelab.remediation.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What notification targets that are down cost: a webhook that never answers and an ntfy that
 * answers 500 delay nothing else. The proposal reaches each phase as promptly as without them, the
 * working target (Alertmanager) gets each notification at once, and in a fixed stretch the bad
 * targets get at most NOTIFY_ATTEMPTS requests per notification, every one given up is counted, and
 * the API server sees at most one status write per notification on top of the reconciler's. (The
 * later tries of a notification given up, every NOTIFY_RETRY_LATER_SECONDS, 2 min by default, fall
 * outside the stretch; NotifierTest bounds their requests and writes.)
 */
@MockKube
@Timeout(120)
class NotificationCostIT {
  static KubernetesClient client;
  static KubernetesMockServer server;

  @TempDir Path tmp;
  TestRedis redis;
  FakeOllama ollama;
  FakeWebhook webhook;
  FakeNtfy ntfy;
  FakeAlertmanager alertmanager;
  SimpleMeterRegistry registry;
  Running running;
  final String namespace = "notify-cost";

  @BeforeEach
  void setUp() throws Exception {
    TestKube.installCrd(client);
    redis = new TestRedis();
    ollama = new FakeOllama();
    ollama.setDefault(FakeReply.proposal("restart", 0.5, false, null));
    webhook = new FakeWebhook();
    webhook.hang();
    ntfy = new FakeNtfy();
    ntfy.answer(500);
    alertmanager = new FakeAlertmanager();
    registry = new SimpleMeterRegistry();
    running =
        Running.start(
            new Wiring(
                OperatorConfig.withDefaults(
                    Map.ofEntries(
                        Map.entry("REDIS_URL", redis.url()),
                        Map.entry("WATCH_NAMESPACE", namespace),
                        Map.entry("NODE_NAME", "solaria"),
                        Map.entry("LLM_CHAIN", "ollama:llama3.1:8b@" + ollama.baseUrl()),
                        Map.entry(
                            "PENDING_ACTIONS_DIR",
                            Files.createDirectories(tmp.resolve("p")).toString()),
                        Map.entry(
                            "EVENTS_DIR", Files.createDirectories(tmp.resolve("e")).toString()),
                        Map.entry("LEADER_ELECTION", "false"),
                        Map.entry("HTTP_PORT", "0"),
                        Map.entry("NOTIFY_WEBHOOK_URL", webhook.url()),
                        Map.entry("NOTIFY_NTFY_URL", ntfy.url()),
                        Map.entry("NOTIFY_ALERTMANAGER_URL", alertmanager.url()),
                        Map.entry("NOTIFY_TIMEOUT_SECONDS", "1"),
                        Map.entry("NOTIFY_ATTEMPTS", "3"),
                        Map.entry("NOTIFY_RETRY_INITIAL_MILLIS", "200"))),
                client,
                registry,
                Clock.systemUTC(),
                false),
            "127.0.0.1",
            "127.0.0.1");
    await().atMost(Duration.ofSeconds(20)).until(running::ready);
  }

  @AfterEach
  void tearDown() {
    if (running != null) {
      running.close();
    }
    webhook.close();
    ntfy.close();
    alertmanager.close();
    ollama.close();
    redis.close();
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

  RemediationProposal only() {
    List<RemediationProposal> ps = TestKube.proposals(client, namespace);
    assertThat(ps).hasSize(1);
    return ps.get(0);
  }

  boolean inPhase(Phase phase) {
    List<RemediationProposal> ps = TestKube.proposals(client, namespace);
    return ps.size() == 1
        && ps.get(0).getStatus() != null
        && ps.get(0).getStatus().getPhase() == phase;
  }

  /**
   * Status writes to this namespace's proposals, drained from the server's log (the mock server
   * keeps no bodies, so the notifier's and the reconciler's writes are counted together).
   */
  int statusWrites() throws InterruptedException {
    int writes = 0;
    RecordedRequest r;
    while ((r = server.takeRequest(20, TimeUnit.MILLISECONDS)) != null) {
      if (r.getPath()
              .startsWith("/apis/remediation.homelab.dev/v1alpha1/namespaces/" + namespace + "/")
          && r.getPath().endsWith("/status")
          && "PATCH".equals(r.getMethod())) {
        writes++;
      }
    }
    return writes;
  }

  @Test
  void aHangingAndAFailingTargetDelayNothingElse() throws Exception {
    statusWrites();
    long t0 = System.nanoTime();
    redis.publish(
        "health_events",
        "{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\"ollama\"}");
    await().atMost(Duration.ofSeconds(10)).until(() -> inPhase(Phase.AwaitingApproval));
    // The working target has it within a second of the phase, whatever the other two do.
    await().atMost(Duration.ofSeconds(1)).until(() -> alertmanager.requests().size() == 1);

    client
        .resources(RemediationProposal.class)
        .inNamespace(namespace)
        .withName(only().getMetadata().getName())
        .edit(
            r -> {
              r.getMetadata().getAnnotations().put("remediation.homelab.dev/approval", "approved");
              return r;
            });
    long approvedAt = System.nanoTime();
    await().atMost(Duration.ofSeconds(5)).until(() -> inPhase(Phase.Dispatched));
    assertThat(Duration.ofNanos(System.nanoTime() - approvedAt))
        .as("approval to dispatch while the webhook hangs")
        .isLessThan(Duration.ofSeconds(3));
    await().atMost(Duration.ofSeconds(1)).until(() -> alertmanager.requests().size() == 2);

    // The fixed stretch: 15 s from the event. Each notification at a bad target: 3 attempts, 1 s
    // timeout, 200 + 400 ms between them; the decided one waits behind the awaiting one.
    long left = Duration.ofSeconds(15).toNanos() - (System.nanoTime() - t0);
    Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(left)));

    // At most 3 per notification; the awaiting one's retries stop once the decided one went out
    // (superseded), so a late "awaiting" never follows "decided". The decided one is given up.
    for (var bad : List.of(Map.entry("webhook", webhook), Map.entry("ntfy", ntfy))) {
      String t = bad.getKey();
      assertThat(bad.getValue().requests()).as("requests to " + t).hasSizeBetween(4, 6);
      assertThat(count(t, "failed") + count(t, "superseded")).as(t).isEqualTo(2.0);
      assertThat(count(t, "failed")).as(t).isGreaterThanOrEqualTo(1.0);
      assertThat(count(t, "retried")).as(t).isLessThanOrEqualTo(4.0);
      assertThat(count(t, "sent")).as(t).isZero();
    }
    assertThat(webhook.events().get(webhook.events().size() - 1)).isEqualTo("decided");
    assertThat(alertmanager.requests()).as("requests to Alertmanager").hasSize(2);
    assertThat(count("alertmanager", "sent")).isEqualTo(2.0);
    assertThat(count("alertmanager", "failed")).isZero();
    // The reconciler's five phases, the intake's occurrence flush, one notifier write per
    // notification (one when the awaiting one was superseded), and slack for one repeat.
    assertThat(statusWrites()).as("status writes in 15 s").isLessThanOrEqualTo(10);
    assertThat(ollama.calls()).isEqualTo(1);

    NotificationRecord n = only().getStatus().getNotification();
    assertThat(n.getEvent()).isEqualTo("decided");
    assertThat(n.getResult()).isEqualTo("Failed");
    assertThat(n.getMessage())
        .isEqualTo(
            "webhook: failed after 3 attempts (timed out after 1000 ms);"
                + " ntfy: failed after 3 attempts (HTTP 500); alertmanager: sent");
    assertThat(only().getStatus().getPhase()).isEqualTo(Phase.Dispatched);
  }
}
