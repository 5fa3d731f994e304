package dev.homelab.remediation.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.runtime.Running;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's own latency from event published to phase set, with an instant fake model, and the
 * number of model calls for a storm. Run with {@code ./mvnw -B test -Pbench}.
 */
@Tag("benchmark")
@EnableKubernetesMockClient(crud = true)
class ProposalLatencyBenchmark {
  static KubernetesClient client;
  @TempDir Path tmp;

  record Setup(TestRedis redis, FakeOllama ollama, Running running) implements AutoCloseable {
    @Override
    public void close() {
      running.close();
      ollama.close();
      redis.close();
    }
  }

  Setup start(String ns) throws Exception {
    TestKube.installCrd(client);
    TestRedis redis = new TestRedis();
    FakeOllama ollama = new FakeOllama();
    ollama.setDefault(FakeReply.proposal("notify", 0.9, true, null));
    OperatorConfig cfg =
        OperatorConfig.withDefaults(
            Map.ofEntries(
                Map.entry("REDIS_URL", redis.url()),
                Map.entry("WATCH_NAMESPACE", ns),
                Map.entry("NODE_NAME", "bench"),
                Map.entry("LLM_CHAIN", "ollama:llama3.1:8b@" + ollama.baseUrl()),
                Map.entry(
                    "PENDING_ACTIONS_DIR", Files.createDirectories(tmp.resolve("p")).toString()),
                Map.entry("EVENTS_DIR", Files.createDirectories(tmp.resolve("e")).toString()),
                Map.entry("HTTP_PORT", "0"),
                Map.entry("LEADER_ELECTION", "false"),
                Map.entry("FOLD_FLUSH_MILLIS", "1000")));
    Running running =
        Running.start(new Wiring(cfg, client, new SimpleMeterRegistry(), Clock.systemUTC(), false));
    await().atMost(Duration.ofSeconds(20)).until(running::ready);
    return new Setup(redis, ollama, running);
  }

  /** Records when each proposal (by service) first shows a decided phase. */
  static Map<String, Long> watchDecisions(String ns) {
    Map<String, Long> decided = new ConcurrentHashMap<>();
    client
        .resources(RemediationProposal.class)
        .inNamespace(ns)
        .inform(
            new ResourceEventHandler<>() {
              @Override
              public void onAdd(RemediationProposal p) {
                onUpdate(null, p);
              }

              @Override
              public void onUpdate(RemediationProposal old, RemediationProposal p) {
                if (p.getStatus() != null && p.getStatus().getProposal() != null) {
                  decided.putIfAbsent(p.getSpec().getService(), System.nanoTime());
                }
              }

              @Override
              public void onDelete(RemediationProposal p, boolean unknown) {}
            },
            0);
    return decided;
  }

  static byte[] event(String service) {
    return ("{\"event_type\":\"service_unhealthy\",\"node\":\"bench\",\"service\":\""
            + service
            + "\",\"timestamp\":1779902000}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static double percentile(long[] sorted, double p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(i, sorted.length - 1))] / 1e6;
  }

  void measureAtRate(int perSecond, int count, String label) throws Exception {
    String ns = "lat-" + label;
    try (Setup s = start(ns)) {
      Map<String, Long> decided = watchDecisions(ns);
      Map<String, Long> published = new ConcurrentHashMap<>();
      long intervalNanos = 1_000_000_000L / perSecond;
      long t0 = System.nanoTime();
      for (int i = 0; i < count; i++) {
        long due = t0 + i * intervalNanos;
        while (System.nanoTime() < due) {
          Thread.onSpinWait();
        }
        String svc = "svc-" + i;
        published.put(svc, System.nanoTime());
        s.redis().publish("health_events", event(svc));
      }
      await().atMost(Duration.ofMinutes(5)).until(() -> decided.size() == count);
      long[] lat =
          published.entrySet().stream()
              .mapToLong(e -> decided.get(e.getKey()) - e.getValue())
              .sorted()
              .toArray();
      System.out.printf(
          "BENCH latency rate_per_s=%d proposals=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f model_calls=%d%n",
          perSecond,
          count,
          percentile(lat, 50),
          percentile(lat, 99),
          lat[lat.length - 1] / 1e6,
          s.ollama().calls());
      assertThat(s.ollama().calls()).isEqualTo(count);
    }
  }

  @Test
  void latencyAtOnePerSecond() throws Exception {
    measureAtRate(1, 20, "1");
  }

  @Test
  void latencyAtOneHundredPerSecond() throws Exception {
    measureAtRate(100, 1000, "100");
  }

  @Test
  void maximumSustainableRate() throws Exception {
    String ns = "lat-max";
    int n = 2000;
    try (Setup s = start(ns)) {
      Map<String, Long> decided = watchDecisions(ns);
      List<byte[]> burst = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        burst.add(event("svc-" + i));
      }
      long t0 = System.nanoTime();
      s.redis().publishAll("health_events", burst);
      await().atMost(Duration.ofMinutes(10)).until(() -> decided.size() == n);
      long[] done = decided.values().stream().mapToLong(Long::longValue).sorted().toArray();
      double secs = (done[done.length - 1] - t0) / 1e9;
      long[] lat = Arrays.stream(done).map(d -> d - t0).toArray();
      System.out.printf(
          "BENCH latency-burst proposals=%d seconds=%.2f decided_per_s=%.0f p50_ms=%.1f p99_ms=%.1f%n",
          n, secs, n / secs, percentile(lat, 50), percentile(lat, 99));
    }
  }

  @Test
  void modelCallsForAStormOfOneHundredThousandEventsOnFiveServices() throws Exception {
    String ns = "lat-storm";
    try (Setup s = start(ns)) {
      int n = 100_000;
      for (int done = 0; done < n; done += 50_000) {
        List<byte[]> batch = new ArrayList<>();
        for (int i = done; i < done + 50_000; i++) {
          batch.add(
              ("{\"event_type\":\"service_unhealthy\",\"node\":\"bench\",\"service\":\"svc-"
                      + (i % 5)
                      + "\",\"timestamp\":"
                      + (1779902000L + i)
                      + "}")
                  .getBytes(StandardCharsets.UTF_8));
        }
        s.redis().publishAll("health_events", batch);
      }
      await()
          .atMost(Duration.ofMinutes(5))
          .until(
              () ->
                  s.running().intake().metrics.receivedCount() == n
                      && s.running().intake().settled());
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  TestKube.proposals(client, ns).stream()
                      .allMatch(p -> p.getStatus() != null && p.getStatus().getProposal() != null));
      System.out.printf(
          "BENCH storm-model-calls events=%d services=5 proposals=%d model_calls=%d%n",
          n, TestKube.proposals(client, ns).size(), s.ollama().calls());
      assertThat(s.ollama().calls()).isEqualTo(5);
    }
  }
}
