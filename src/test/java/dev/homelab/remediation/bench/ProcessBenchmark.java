package dev.homelab.remediation.bench;

import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.support.BenchKube;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.OperatorProcess;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator as a separate process with the Dockerfile's JVM flags (heap capped as in the chart's
 * container): time from start to ready, resident memory idle and after 1,000,000 events. Run with
 * {@code ./mvnw -B test -Pbench}.
 */
@Tag("benchmark")
@MockKube(https = false)
class ProcessBenchmark {
  static KubernetesClient client;
  static KubernetesMockServer server;

  @TempDir Path tmp;

  /** {@code -Dbench.kubeconfig=FILE}: against a real kube-apiserver ({@link BenchKube}). */
  @BeforeAll
  static void realServer() throws Exception {
    if (BenchKube.real()) {
      client = BenchKube.client();
    }
  }

  @Test
  void startToReadyAndResidentMemory() throws Exception {
    BenchKube.installCrd(client);
    BenchKube.prepare(client, "bench");
    if (!BenchKube.real()) {
      TestKube.allowLeaseAccess(server);
    }
    Path kubeconfig = OperatorProcess.kubeconfig(client, tmp, "bench");
    try (TestRedis redis = new TestRedis();
        FakeOllama ollama = new FakeOllama()) {
      ollama.setDefault(FakeReply.proposal("notify", 0.9, true, null));
      Map<String, String> env =
          Map.of(
              "REDIS_URL",
              redis.url(),
              "WATCH_NAMESPACE",
              "bench",
              "NODE_NAME",
              "bench",
              "LLM_CHAIN",
              "ollama:llama3.1:8b@" + ollama.baseUrl(),
              "PENDING_ACTIONS_DIR",
              Files.createDirectories(tmp.resolve("p")).toString(),
              "EVENTS_DIR",
              Files.createDirectories(tmp.resolve("e")).toString(),
              "LOG_LEVEL",
              "WARN");
      long t0 = System.nanoTime();
      try (OperatorProcess p =
          OperatorProcess.start(kubeconfig, env, tmp.resolve("operator.log"))) {
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(20))
            .until(p::readyAsLeader);
        double ready = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(10_000);
        long idle = p.rssKiB();
        System.out.printf(
            "BENCH process start_to_ready_s=%.2f rss_idle_mib=%.1f%n", ready, idle / 1024.0);

        int n = 1_000_000;
        long s0 = System.nanoTime();
        for (int done = 0; done < n; done += 50_000) {
          List<byte[]> batch = new ArrayList<>(50_000);
          for (int i = done; i < done + 50_000; i++) {
            batch.add(
                ("{\"event_type\":\"service_unhealthy\",\"node\":\"bench\",\"service\":\"svc-"
                        + (i % 5)
                        + "\",\"message\":\"health check failing\",\"timestamp\":"
                        + (1779902000L + i)
                        + "}")
                    .getBytes(StandardCharsets.UTF_8));
          }
          redis.publishAll("health_events", batch);
        }
        await()
            .atMost(Duration.ofMinutes(10))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> p.metric("remediation_events_received_total") >= n);
        double secs = (System.nanoTime() - s0) / 1e9;
        long peak = p.rssKiB();
        Thread.sleep(5_000);
        long after = p.rssKiB();
        System.out.printf(
            "BENCH process storm_events=%d seconds=%.1f events_per_s=%.0f rss_after_storm_mib=%.1f rss_5s_later_mib=%.1f"
                + " folded=%.0f shed=%.0f%n",
            n,
            secs,
            n / secs,
            peak / 1024.0,
            after / 1024.0,
            p.metric("remediation_events_folded_total"),
            p.shed());
      }
    }
  }
}
