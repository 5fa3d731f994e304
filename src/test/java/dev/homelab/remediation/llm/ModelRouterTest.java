package dev.homelab.remediation.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import dev.homelab.remediation.decision.RouterView;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The router's own logic: concurrency bound, order of waiting work, one consultation per key. */
class ModelRouterTest {

  /** A chain that records the order of requests and can be held on its first call. */
  static final class RecordingChain implements ModelChain {
    final List<String> asked = new CopyOnWriteArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();

    @Override
    public ChainResult ask(ProposalRequest request) {
      int now = running.incrementAndGet();
      maxRunning.accumulateAndGet(now, Math::max);
      try {
        if (asked.isEmpty()) {
          asked.add(request.proposalName());
          release.await(10, TimeUnit.SECONDS);
        } else {
          asked.add(request.proposalName());
        }
        return new ChainResult.Answered(
            new ModelAnswer("notify", "r", 0.9, false, null, "fake/model"), List.of());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new ChainResult.Failed(List.of("fake/model: interrupted"));
      } finally {
        running.decrementAndGet();
      }
    }

    @Override
    public List<String> models() {
      return List.of("fake/model");
    }
  }

  static ProposalRequest request(String name) {
    RemediationProposalSpec spec = new RemediationProposalSpec();
    spec.setSvcKey("n/" + name);
    spec.setNode("n");
    spec.setEventType("service_unhealthy");
    spec.setObservedAt("2026-05-27T17:11:39Z");
    return new ProposalRequest(name, spec, 1);
  }

  @Test
  void waitingWorkRunsBySeverityThenAgeOneAtATime() {
    RecordingChain chain = new RecordingChain();
    try (ModelRouter router = new ModelRouter(chain, 1, new SimpleMeterRegistry())) {
      Instant t0 = Instant.parse("2026-05-27T12:00:00Z");
      router.submit("first", request("first"), "warning", t0);
      await().atMost(Duration.ofSeconds(5)).until(() -> chain.asked.size() == 1);
      // Queued while the first runs: a storm of warnings, then a critical node_offline.
      router.submit("warn-old", request("warn-old"), "warning", t0.plusSeconds(1));
      router.submit("warn-new", request("warn-new"), "warning", t0.plusSeconds(5));
      router.submit("info", request("info"), "info", t0);
      router.submit("critical", request("critical"), "critical", t0.plusSeconds(9));
      router.submit("error", request("error"), "error", t0.plusSeconds(8));
      chain.release.countDown();
      await().atMost(Duration.ofSeconds(5)).until(() -> chain.asked.size() == 6);
      assertThat(chain.asked)
          .containsExactly("first", "critical", "error", "warn-old", "warn-new", "info");
      assertThat(chain.maxRunning.get()).isEqualTo(1);
    }
  }

  @Test
  void aKeyIsConsultedOnceUntilItsResultIsClaimed() {
    RecordingChain chain = new RecordingChain();
    chain.release.countDown();
    try (ModelRouter router = new ModelRouter(chain, 2, new SimpleMeterRegistry())) {
      List<String> notified = new CopyOnWriteArrayList<>();
      router.onResult(notified::add);
      assertThat(router.submit("k", request("k"), "warning", Instant.now())).isTrue();
      await().atMost(Duration.ofSeconds(5)).until(() -> router.result("k").isPresent());
      assertThat(router.submit("k", request("k"), "warning", Instant.now())).isFalse();
      assertThat(notified).containsExactly("k");
      router.claimed("k");
      assertThat(router.result("k")).isEmpty();
      assertThat(router.submit("k", request("k"), "warning", Instant.now())).isTrue();
      await().atMost(Duration.ofSeconds(5)).until(() -> chain.asked.size() == 2);
    }
  }

  @Test
  void severityRanks() {
    assertThat(ModelRouter.rank("critical")).isLessThan(ModelRouter.rank("error"));
    assertThat(ModelRouter.rank("error")).isLessThan(ModelRouter.rank("warning"));
    assertThat(ModelRouter.rank("warning")).isLessThan(ModelRouter.rank("info"));
    assertThat(ModelRouter.rank(null)).isEqualTo(ModelRouter.rank("warning"));
    assertThat(ModelRouter.rank("something-else")).isEqualTo(ModelRouter.rank("warning"));
  }

  @Test
  void theViewGoesBusyDoneClaimedAndAClaimedKeyIsNotAskedAgainByMistake() throws Exception {
    RecordingChain chain = new RecordingChain();
    chain.release.countDown();
    try (ModelRouter router = new ModelRouter(chain, 1, new SimpleMeterRegistry())) {
      assertThat(router.view("k")).isEqualTo(RouterView.IDLE);
      router.submit("k", request("k"), "warning", Instant.now());
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> router.view("k") instanceof RouterView.Done);
      Instant answeredAt = ((RouterView.Done) router.view("k")).at();
      router.claimed("k");
      // Claimed, with the answer's time: the cooldown of the proposal's siblings reads it.
      assertThat(router.view("k")).isEqualTo(new RouterView.Claimed(answeredAt));
      assertThat(answeredAt).isNotNull();
      assertThat(router.result("k")).isEmpty();
      // A new consultation (a retry) is a fresh start.
      assertThat(router.submit("k", request("k"), "warning", Instant.now())).isTrue();
    }
  }

  /**
   * A result whose status cannot be written (the API server down, its files maybe on the node
   * already) outlives the memory of claims: after 11 minutes it is still the answer to record, not
   * a reason to ask the model again; a day later, with nobody having claimed it, it is dropped.
   */
  @Test
  void anUnclaimedResultOutlivesALongApiOutageAndIsDroppedAfterADay() {
    RecordingChain chain = new RecordingChain();
    chain.release.countDown();
    java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    try (ModelRouter router =
        new ModelRouter(
            chain, 1, new SimpleMeterRegistry(), java.time.Clock.systemUTC(), nanos::get)) {
      router.submit("k", request("k"), "warning", Instant.now());
      await().atMost(Duration.ofSeconds(10)).until(() -> router.result("k").isPresent());

      nanos.addAndGet(Duration.ofMinutes(11).toNanos());
      router.submit("other", request("other"), "warning", Instant.now()); // its result sweeps
      await().atMost(Duration.ofSeconds(10)).until(() -> router.result("other").isPresent());
      assertThat(router.view("k")).isInstanceOf(RouterView.Done.class);
      assertThat(router.submit("k", request("k"), "warning", Instant.now()))
          .as("not asked again while its answer waits to be recorded")
          .isFalse();

      nanos.addAndGet(ModelRouter.KEEP_UNCLAIMED.toNanos());
      router.submit("third", request("third"), "warning", Instant.now());
      await().atMost(Duration.ofSeconds(10)).until(() -> router.result("third").isPresent());
      assertThat(router.view("k")).isEqualTo(RouterView.IDLE);
      assertThat(chain.asked).hasSize(3);
    }
  }

  /** A failed chain nobody recorded is not kept a day: asking afresh beats recording it late. */
  @Test
  void anUnclaimedFailedChainIsDroppedAfterTenMinutes() {
    ModelChain failing =
        new ModelChain() {
          @Override
          public ChainResult ask(ProposalRequest request) {
            return new ChainResult.Failed(List.of("fake/model: down"));
          }

          @Override
          public List<String> models() {
            return List.of("fake/model");
          }
        };
    java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    try (ModelRouter router =
        new ModelRouter(
            failing, 1, new SimpleMeterRegistry(), java.time.Clock.systemUTC(), nanos::get)) {
      router.submit("k", request("k"), "warning", Instant.now());
      await().atMost(Duration.ofSeconds(10)).until(() -> router.result("k").isPresent());
      nanos.addAndGet(ModelRouter.KEEP.plusSeconds(1).toNanos());
      router.submit("other", request("other"), "warning", Instant.now());
      await().atMost(Duration.ofSeconds(10)).until(() -> router.result("other").isPresent());
      assertThat(router.view("k")).isEqualTo(RouterView.IDLE);
    }
  }

  @Test
  void unclaimedResultsAndClaimsStayBounded() {
    RecordingChain chain = new RecordingChain();
    chain.release.countDown();
    int n = ModelRouter.MAX_KEPT + 500;
    try (ModelRouter router = new ModelRouter(chain, 1, new SimpleMeterRegistry())) {
      for (int i = 0; i < n; i++) {
        router.submit("u" + i, request("u" + i), "warning", Instant.now());
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> chain.asked.size() == n);
      // Nobody claimed them (their proposals were deleted): at most MAX_KEPT are kept.
      assertThat(router.kept()).isLessThanOrEqualTo(ModelRouter.MAX_KEPT);
      for (int i = 0; i < n; i++) {
        router.claimed("u" + i);
      }
      assertThat(router.kept()).isLessThanOrEqualTo(ModelRouter.MAX_KEPT);
    }
  }
}
