package dev.homelab.remediation.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.runtime.Intake;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Intake benchmarks (issue: sustained storm intake, distinct incidents, bounded heap). Run with
 * {@code ./mvnw -B test -Pbench}; figures are printed as "BENCH ..." lines and recorded in
 * docs/benchmarks.md.
 */
@Tag("benchmark")
@MockKube
class IntakeBenchmark {
  static KubernetesClient client;
  static TestRedis redis;

  @BeforeAll
  static void setUp() {
    redis = new TestRedis();
    TestKube.installCrd(client);
  }

  @AfterAll
  static void tearDown() {
    redis.close();
  }

  Intake intake(String ns) {
    Map<String, String> v = new HashMap<>();
    v.put("REDIS_URL", redis.url());
    v.put("WATCH_NAMESPACE", ns);
    v.put("NODE_NAME", "bench");
    v.put("FOLD_FLUSH_MILLIS", "1000");
    Intake intake =
        Intake.start(
            new Wiring(
                OperatorConfig.withDefaults(v),
                client,
                new SimpleMeterRegistry(),
                Clock.systemUTC(),
                false));
    await().atMost(Duration.ofSeconds(20)).until(intake::ready);
    return intake;
  }

  static List<byte[]> storm(int n, int services, long offset) {
    List<byte[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(
          ("{\"event_type\":\"service_unhealthy\",\"node\":\"chelsty\",\"service\":\"svc-"
                  + (i % services)
                  + "\",\"severity\":\"warning\",\"message\":\"health check failing\",\"details\":{\"restart_count\":"
                  + i
                  + "},\"timestamp\":"
                  + (1779902000L + offset + i)
                  + "}")
              .getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Publishes in batches, so the publisher's own memory stays small. */
  static void publishStorm(int total, int services, long offset) {
    int batch = 50_000;
    for (int done = 0; done < total; done += batch) {
      redis.publishAll(
          "health_events", storm(Math.min(batch, total - done), services, offset + done));
    }
  }

  @Test
  void stormIntakeThroughputAndBoundedHeap() {
    Intake intake = intake("bench-storm");
    try {
      // Warm-up.
      publishStorm(50_000, 3, 0);
      await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> intake.metrics.receivedCount() == 50_000 && intake.settled());
      long heapBefore = usedHeapAfterGc();

      int n = 200_000;
      long t0 = System.nanoTime();
      publishStorm(n, 3, 100_000);
      long published = System.nanoTime();
      await()
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> intake.metrics.receivedCount() == 50_000 + n && intake.pipeline.idle());
      long processed = System.nanoTime();
      double secs = (processed - t0) / 1e9;
      System.out.printf(
          "BENCH storm-intake events=%d svcKeys=3 seconds=%.2f events_per_s=%.0f publish_only_s=%.2f%n",
          n, secs, n / secs, (published - t0) / 1e9);
      await().atMost(Duration.ofSeconds(30)).until(intake::settled);
      long heapAfter200k = usedHeapAfterGc();

      publishStorm(800_000, 3, 1_000_000);
      await()
          .atMost(Duration.ofMinutes(10))
          .until(() -> intake.metrics.receivedCount() == 1_050_000 && intake.settled());
      long heapAfter1m = usedHeapAfterGc();
      System.out.printf(
          "BENCH storm-heap used_after_gc_mib warm=%.1f after_200k=%.1f after_1m=%.1f incidents_in_memory=%d%n",
          heapBefore / 1048576.0,
          heapAfter200k / 1048576.0,
          heapAfter1m / 1048576.0,
          intake.book.size());
      long sum = TestKube.occurrences(client, "bench-storm");
      // Every event counted in a proposal or, when the publisher outran the intake, as shed.
      System.out.printf("BENCH storm-shed shed=%s%n", intake.metrics.shedSummary());
      assertThat(sum + (long) intake.metrics.shedCount()).isEqualTo(1_050_000);
      assertThat(TestKube.proposals(client, "bench-storm")).hasSize(3);
    } finally {
      intake.close();
    }
  }

  @Test
  void distinctIncidentsVersusARawClientLoop() {
    int n = 2_000;
    // Raw client loop: the same resources created one by one on the same API server.
    long r0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      RemediationProposal p =
          dev.homelab.remediation.support.TestProposals.named(
              "bench-raw",
              "raw-" + i,
              dev.homelab.remediation.support.TestProposals.spec(
                  "raw", String.valueOf(i), "service_unhealthy"));
      client.resources(RemediationProposal.class).inNamespace("bench-raw").resource(p).create();
    }
    double rawSecs = (System.nanoTime() - r0) / 1e9;

    Intake intake = intake("bench-distinct");
    try {
      List<byte[]> events = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        events.add(
            ("{\"event_type\":\"service_unhealthy\",\"node\":\"n"
                    + (i % 50)
                    + "\",\"service\":\"svc-"
                    + i
                    + "\",\"timestamp\":1779902000}")
                .getBytes(StandardCharsets.UTF_8));
      }
      long t0 = System.nanoTime();
      redis.publishAll("health_events", events);
      await()
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> intake.metrics.createdCount() == n);
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "BENCH distinct-incidents proposals=%d seconds=%.2f creates_per_s=%.0f raw_client_creates_per_s=%.0f ratio=%.2f%n",
          n, secs, n / secs, n / rawSecs, (n / secs) / (n / rawSecs));
      assertThat(TestKube.proposals(client, "bench-distinct")).hasSize(n);
    } finally {
      intake.close();
    }
  }
}
