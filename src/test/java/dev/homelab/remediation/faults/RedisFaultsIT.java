package dev.homelab.remediation.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.ingest.RejectReason;
import dev.homelab.remediation.runtime.Intake;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redis killed and restarted in the middle of a storm: the intake reconnects and resubscribes by
 * itself, and every event that reached the operator is counted in exactly one proposal. Only what
 * was published while Redis was down is lost (Redis does not keep pub/sub messages).
 */
@MockKube
@Timeout(120)
class RedisFaultsIT {
  static KubernetesClient client;

  @Test
  void redisKilledMidStormLosesNothingThatReachedTheOperator() throws Exception {
    TestKube.installCrd(client);
    try (TestRedis redis = new TestRedis()) {
      OperatorConfig cfg =
          OperatorConfig.withDefaults(
              Map.of(
                  "REDIS_URL",
                  redis.url(),
                  "WATCH_NAMESPACE",
                  "redis-faults",
                  "NODE_NAME",
                  "solaria",
                  "FOLD_FLUSH_MILLIS",
                  "100"));
      Intake intake =
          Intake.start(
              new Wiring(cfg, client, new SimpleMeterRegistry(), Clock.systemUTC(), false));
      try {
        await().atMost(Duration.ofSeconds(20)).until(intake::ready);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong published = new AtomicLong();
        Thread publisher =
            new Thread(
                () -> {
                  long i = 0;
                  while (!stop.get()) {
                    try {
                      redis.publish(
                          "health_events",
                          "{\"event_type\":\"service_unhealthy\",\"node\":\"chelsty\",\"service\":\"storm-"
                              + (i % 3)
                              + "\",\"timestamp\":"
                              + (1779902000L + i)
                              + "}");
                      if (i % 10 == 0) {
                        redis.publish("health_events", "not json " + i);
                      }
                      published.incrementAndGet();
                      i++;
                    } catch (RuntimeException e) {
                      // Redis is down: keep trying, as a node agent would.
                      try {
                        Thread.sleep(20);
                      } catch (InterruptedException ie) {
                        return;
                      }
                    }
                  }
                },
                "storm-publisher");
        publisher.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> intake.metrics.receivedCount() > 2000);
        redis.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> !intake.subscriber.isSubscribed());
        double beforeRestart = intake.metrics.receivedCount();
        redis.start();
        await().atMost(Duration.ofSeconds(30)).until(intake.subscriber::isSubscribed);
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> intake.metrics.receivedCount() > beforeRestart + 2000);
        stop.set(true);
        publisher.join(10_000);

        await().atMost(Duration.ofSeconds(30)).until(intake::settled);
        double accepted =
            intake.metrics.receivedCount() - intake.metrics.rejectedCount(RejectReason.NOT_JSON);
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () -> {
                  long sum = TestKube.occurrences(client, "redis-faults");
                  assertThat(sum).isEqualTo((long) accepted);
                });
        assertThat(TestKube.proposals(client, "redis-faults")).hasSize(3);
        assertThat(intake.metrics.shedCount()).isZero();
      } finally {
        intake.close();
      }
    }
  }
}
