package dev.homelab.remediation.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.runtime.Running;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Probes, metrics, heartbeat and leader election of the running operator. */
@MockKube
class OpsIT {
  static KubernetesClient client;
  static io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server;
  static final AtomicInteger SEQ = new AtomicInteger();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path tmp;
  TestRedis redis;
  FakeOllama ollama;
  String namespace;
  final List<Running> started = new ArrayList<>();

  @BeforeEach
  void setUp() {
    TestKube.installCrd(client);
    TestKube.allowLeaseAccess(server);
    namespace = "ops-" + SEQ.incrementAndGet();
    redis = new TestRedis();
    ollama = new FakeOllama();
    ollama.setDefault(FakeReply.proposal("restart", 0.9, false, null));
  }

  @AfterEach
  void tearDown() {
    started.forEach(Running::close);
    ollama.close();
    redis.close();
  }

  Running start(Map<String, String> extra, PrometheusMeterRegistry registry) throws IOException {
    Map<String, String> v = new HashMap<>();
    v.put("REDIS_URL", redis.url());
    v.put("WATCH_NAMESPACE", namespace);
    v.put("NODE_NAME", "solaria");
    v.put("LLM_CHAIN", "ollama:llama3.1:8b@" + ollama.baseUrl());
    v.put("PENDING_ACTIONS_DIR", Files.createDirectories(tmp.resolve("pending")).toString());
    v.put("EVENTS_DIR", Files.createDirectories(tmp.resolve("events")).toString());
    v.put("HTTP_PORT", Integer.toString(TestRedis.freePort()));
    v.put("FOLD_FLUSH_MILLIS", "100");
    v.put("LEASE_DURATION_SECONDS", "2");
    v.putAll(extra);
    Running r =
        Running.start(
            new Wiring(OperatorConfig.withDefaults(v), client, registry, Clock.systemUTC(), false),
            "127.0.0.1",
            "127.0.0.1");
    started.add(r);
    return r;
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static int status(int port, String path) {
    try {
      return get(port, path).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void readyOnlyOnceInformersSyncAndRedisIsSubscribed() throws Exception {
    redis.stop();
    Running r = start(Map.of(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    int port = r.httpPort();
    await().atMost(Duration.ofSeconds(20)).until(r::leader);
    assertThat(status(port, "/healthz")).isEqualTo(200);
    assertThat(status(port, "/readyz")).isEqualTo(503);
    assertThat(get(port, "/readyz").body()).contains("Redis");
    redis.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> status(port, "/readyz") == 200);
    assertThat(get(port, "/readyz").body()).contains("leader");
  }

  /**
   * Once ready, a Redis outage is a reconnect: the leader stays ready, so the Service keeps sending
   * it approval links and scrapes, and says in /readyz what it is doing.
   */
  @Test
  void aRedisOutageAfterStartKeepsTheLeaderReadyAndSaysSo() throws Exception {
    Running r = start(Map.of(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    int port = r.httpPort();
    await().atMost(Duration.ofSeconds(20)).until(() -> status(port, "/readyz") == 200);
    redis.stop();
    await().atMost(Duration.ofSeconds(20)).until(() -> !r.ready());
    assertThat(status(port, "/readyz")).isEqualTo(200);
    assertThat(get(port, "/readyz").body()).contains("Redis subscription lost, reconnecting");
    assertThat(status(port, "/healthz")).isEqualTo(200);
    assertThat(status(port, "/metrics")).isEqualTo(200);
    redis.start();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> get(port, "/readyz").body().contains("Redis subscribed"));
  }

  @Test
  void metricsMoveWithEvents() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Running r = start(Map.of(), registry);
    await().atMost(Duration.ofSeconds(20)).until(r::ready);
    redis.publish(
        "health_events",
        "{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\"ollama\"}");
    redis.publish(
        "health_events",
        "{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\"ollama\"}");
    redis.publish("health_events", "not json");
    redis.publish("health_events", "{\"event_type\":\"heartbeat\",\"node\":\"solaria\"}");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              List<RemediationProposal> ps = TestKube.proposals(client, namespace);
              return ps.size() == 1
                  && ps.get(0).getStatus() != null
                  && ps.get(0).getStatus().getPhase() == Phase.Dispatched;
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              String m = get(r.httpPort(), "/metrics").body();
              assertThat(m).contains("remediation_events_received_total 4.0");
              assertThat(m).contains("remediation_events_rejected_total{reason=\"not_json\"} 1.0");
              assertThat(m).contains("remediation_events_skipped_total{type=\"heartbeat\"} 1.0");
              assertThat(m).contains("remediation_events_folded_total 1.0");
              assertThat(m).contains("remediation_intake_proposals_opened_total 1.0");
              assertThat(m)
                  .contains("remediation_model_calls_total{model=\"ollama/llama3.1:8b\"} 1.0");
              assertThat(m).contains("remediation_dispatch_writes_total{result=\"written\"} 1.0");
              assertThat(m)
                  .containsPattern(
                      "remediation_proposals\\{action=\"restart\",phase=\"Dispatched\"} 1.0");
              assertThat(m).contains("operator_sdk_");
            });
  }

  @Test
  void heartbeatFileIsWrittenWhileHealthy() throws Exception {
    Path beat = tmp.resolve("heartbeat");
    Running r =
        start(
            Map.of("HEARTBEAT_FILE", beat.toString(), "HTTP_PORT", "0"),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    await().atMost(Duration.ofSeconds(20)).until(r::ready);
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(beat));
    Instant written = Instant.parse(Files.readString(beat).trim());
    assertThat(written).isAfter(Instant.now().minusSeconds(120));
  }

  @Test
  void onlyTheLeaderWorksAndAStandbyTakesOver() throws Exception {
    Running a = start(Map.of(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    await().atMost(Duration.ofSeconds(20)).until(a::ready);
    Running b = start(Map.of(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> true);
    assertThat(a.leader()).isTrue();
    assertThat(b.leader()).isFalse();
    assertThat(b.intake()).isNull();
    assertThat(status(b.httpPort(), "/readyz")).isEqualTo(200);
    assertThat(get(b.httpPort(), "/readyz").body()).contains("standby");

    assertThat(
            redis.publish(
                "health_events",
                "{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\"ollama\",\"timestamp\":1779902000}"))
        .as("only the leader subscribes")
        .isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              List<RemediationProposal> ps = TestKube.proposals(client, namespace);
              return ps.size() == 1
                  && ps.get(0).getStatus() != null
                  && ps.get(0).getStatus().getPhase() == Phase.Dispatched;
            });
    assertThat(ollama.calls()).isEqualTo(1);

    a.close();
    started.remove(a);
    await().atMost(Duration.ofSeconds(30)).until(b::ready);
    assertThat(
            redis.publish(
                "health_events",
                "{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\"redis\",\"timestamp\":1779902100}"))
        .isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                TestKube.proposals(client, namespace).stream()
                        .filter(
                            p ->
                                p.getStatus() != null
                                    && p.getStatus().getPhase() == Phase.Dispatched)
                        .count()
                    == 2);
    assertThat(ollama.calls()).isEqualTo(2);
  }
}
