package dev.homelab.remediation.bench;

import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.OperatorProcess;
import dev.homelab.remediation.support.RawSubscriber;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storms as shipped (issue 16): the operator as a separate process with the image's JVM flags, a
 * separate pipelined publisher process ({@code PipelinedPublisher}), and in the same run the
 * baseline: a raw subscriber that only counts, i.e. what Redis delivers to one subscriber here.
 * Reports the highest paced rate folded with no loss, the outcome of a full-speed publisher
 * (folded, shed by reason, lost), reconnects and resident memory. Run with {@code ./mvnw -B test
 * -Pbench -Dtest=StormBenchmark}.
 */
@Tag("benchmark")
@MockKube(https = false)
class StormBenchmark {
  static KubernetesClient client;
  static KubernetesMockServer server;

  @TempDir Path tmp;

  /** What a publisher process reported. */
  record Published(long published, long deliveries, double seconds) {
    double perSecond() {
      return published / seconds;
    }
  }

  static Published publish(TestRedis redis, String channel, Path messages, int seconds, long rate)
      throws IOException, InterruptedException {
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "dev.homelab.remediation.support.PipelinedPublisher",
            Integer.toString(redis.port()),
            channel,
            Integer.toString(seconds),
            Long.toString(rate),
            messages.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    p.waitFor();
    String[] last = out.substring(out.lastIndexOf('\n') + 1).trim().split(" ");
    return new Published(
        Long.parseLong(last[0]), Long.parseLong(last[1]), Long.parseLong(last[2]) / 1e9);
  }

  static Path messages(Path dir) throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      lines.add(
          "{\"event_type\":\"service_unhealthy\",\"node\":\"bench\",\"service\":\"svc-"
              + (i % 5)
              + "\",\"severity\":\"critical\",\"message\":\"health check failing\","
              + "\"details\":{\"restart_count\":"
              + i
              + ",\"probe\":\"/healthz\"},\"timestamp\":\"2026-12-01T10:00:"
              + String.format("%02d.%03d", (i / 1000) % 60, i % 1000)
              + "Z\"}");
    }
    return Files.write(dir.resolve("storm.txt"), lines);
  }

  @Test
  void stormsAgainstTheRawBaseline() throws Exception {
    TestKube.installCrd(client);
    TestKube.allowLeaseAccess(server);
    Path kubeconfig = OperatorProcess.kubeconfig(client, tmp, "bench");
    Path storm = messages(tmp);
    try (TestRedis redis = new TestRedis();
        FakeOllama ollama = new FakeOllama()) {
      // The baseline, before the operator runs: the most Redis delivers to one subscriber here.
      try (RawSubscriber raw = new RawSubscriber(redis.port(), "baseline")) {
        Published r = publish(redis, "baseline", storm, 3, 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> raw.messages() >= r.deliveries());
        System.out.printf(
            "BENCH storm baseline raw_subscriber published=%d msgs_per_s=%.0f received=%d lost_subscription=%s%n",
            r.published(), r.perSecond(), raw.messages(), raw.lost());
      }

      ollama.setDefault(FakeReply.proposal("notify", 0.9, true, null));
      Map<String, String> env = new HashMap<>();
      env.put("REDIS_URL", redis.url());
      env.put("WATCH_NAMESPACE", "bench");
      env.put("NODE_NAME", "bench");
      env.put("LLM_CHAIN", "ollama:llama3.1:8b@" + ollama.baseUrl());
      env.put("PENDING_ACTIONS_DIR", Files.createDirectories(tmp.resolve("p")).toString());
      env.put("EVENTS_DIR", Files.createDirectories(tmp.resolve("e")).toString());
      env.put("LOG_LEVEL", "WARN");
      env.put("MALLOC_ARENA_MAX", "2"); // as the image sets it
      // -Dbench.intakeBufferBytes=N compares another INTAKE_BUFFER_BYTES (default 8 MiB)
      String buffer = System.getProperty("bench.intakeBufferBytes");
      if (buffer != null) {
        env.put("INTAKE_BUFFER_BYTES", buffer);
      }
      try (OperatorProcess p =
          OperatorProcess.start(
              kubeconfig,
              env,
              // -Doperator.log=FILE keeps the operator's log (its shedding lines tell why)
              Path.of(
                  System.getProperty("operator.log", tmp.resolve("operator.log").toString())))) {
        await().atMost(Duration.ofSeconds(60)).until(p::readyAsLeader);
        System.out.printf("BENCH storm rss_idle_mib=%.1f%n", p.rssKiB() / 1024.0);

        long highestLossless = 0;
        for (long rate :
            new long[] {
              25_000, 50_000, 100_000, 200_000, 250_000, 300_000, 350_000, 400_000, 450_000,
              500_000, 550_000, 600_000, 650_000, 700_000, 750_000, 800_000, 900_000
            }) {
          Outcome o = run(p, redis, storm, 3, rate);
          System.out.printf("BENCH storm paced rate=%d %s%n", rate, o);
          if (o.lossless()) {
            highestLossless = rate;
          } else {
            break;
          }
        }
        System.out.printf("BENCH storm paced_lossless_max=%d%n", highestLossless);
        for (int round = 1; round <= 2; round++) {
          Outcome o = run(p, redis, storm, 3, 0);
          System.out.printf("BENCH storm full_speed round=%d %s%n", round, o);
        }
        long peak = p.rssKiB();
        Thread.sleep(5_000);
        System.out.printf(
            "BENCH storm rss_after_storms_mib=%.1f rss_5s_later_mib=%.1f proposals=%d%n",
            peak / 1024.0, p.rssKiB() / 1024.0, TestKube.proposals(client, "bench").size());
      }
    }
  }

  /**
   * What one step did; {@code redisPeak}: the most Redis held for the subscriber, as the operator's
   * gauge showed it, sampled every 100 ms while publishing (-1 if never known).
   */
  record Outcome(
      Published sent,
      double received,
      double folded,
      Map<String, Double> shed,
      double reconnects,
      double redisPeak,
      Duration cpu) {
    double shedTotal() {
      return shed.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    boolean lossless() {
      return received == sent.deliveries() && shedTotal() == 0 && reconnects == 0;
    }

    @Override
    public String toString() {
      StringBuilder by = new StringBuilder();
      shed.forEach((k, v) -> by.append(v > 0 ? " shed_" + k + "=" + v.longValue() : ""));
      return String.format(
          "published=%d publish_rate=%.0f delivered=%d received=%.0f folded=%.0f shed=%.0f%s"
              + " lost=%d reconnects=%.0f redis_peak_mib=%.1f cpu_s=%.2f cpu_us_per_event=%.2f",
          sent.published(),
          sent.perSecond(),
          sent.deliveries(),
          received,
          folded,
          shedTotal(),
          by,
          sent.published() - (long) received,
          reconnects,
          redisPeak / (1 << 20),
          cpu.toNanos() / 1e9,
          received == 0 ? 0 : cpu.toNanos() / 1e3 / received);
    }
  }

  Outcome run(OperatorProcess p, TestRedis redis, Path storm, int seconds, long rate)
      throws Exception {
    double received0 = p.metric("remediation_events_received_total");
    double folded0 = p.metric("remediation_events_folded_total");
    Map<String, Double> shed0 = p.shedByReason();
    double reconnects0 = p.metric("remediation_redis_reconnects_total");
    Duration cpu0 = p.cpuTime();
    double[] peak = {-1};
    java.util.concurrent.atomic.AtomicBoolean publishing =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread sampler =
        new Thread(
            () -> {
              while (publishing.get()) {
                peak[0] = Math.max(peak[0], redis.subscriberOutputBuffer());
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
              }
            });
    sampler.start();
    Published sent;
    try {
      sent = publish(redis, "health_events", storm, seconds, rate);
    } finally {
      publishing.set(false);
      sampler.join();
    }
    // Settled: everything received has been folded or shed (nothing more arrives).
    double[] last = {-1};
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              double now = p.metric("remediation_events_received_total");
              boolean still = now == last[0] && p.metric("remediation_intake_buffer_bytes") == 0;
              last[0] = now;
              return still;
            });
    Map<String, Double> shed = p.shedByReason();
    shed.replaceAll((k, v) -> v - shed0.get(k));
    return new Outcome(
        sent,
        p.metric("remediation_events_received_total") - received0,
        p.metric("remediation_events_folded_total") - folded0,
        shed,
        p.metric("remediation_redis_reconnects_total") - reconnects0,
        peak[0],
        p.cpuTime().minus(cpu0));
  }
}
