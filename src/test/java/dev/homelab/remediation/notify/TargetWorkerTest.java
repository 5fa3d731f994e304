package dev.homelab.remediation.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.support.FakeNtfy;
import dev.homelab.remediation.support.FakeReceiver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How one target's worker tries again what it gave up, against real HTTP receivers. */
class TargetWorkerTest {
  final FakeNtfy up = new FakeNtfy();
  final FakeNtfy down = new FakeNtfy();

  @AfterEach
  void close() {
    up.close();
    down.close();
  }

  /**
   * A target whose messages for the proposal named "stuck" go to a receiver that keeps answering
   * 503 (a payload it chokes on, say), the others to one that is back after an outage.
   */
  final NotificationTarget split =
      new NotificationTarget() {
        @Override
        public String name() {
          return "split";
        }

        @Override
        public HttpRequest request(Notification n, Instant now) {
          FakeNtfy to = n.name().equals("stuck") ? down : up;
          return HttpRequest.newBuilder(URI.create(to.url()))
              .header("Title", n.name())
              .POST(HttpRequest.BodyPublishers.ofString(n.name()))
              .build();
        }
      };

  @Test
  void oneThatKeepsFailingDoesNotHoldTheOthersKeptForLaterUp() throws Exception {
    down.answer(503);
    up.answer(503); // an outage: both given up at first
    try (TargetWorker w =
        new TargetWorker(
            split,
            HttpClient.newHttpClient(),
            Duration.ofSeconds(1),
            1,
            Duration.ofMillis(50),
            Duration.ofMillis(200),
            10,
            Clock.fixed(Changes.NOW, java.time.ZoneOffset.UTC),
            new SimpleMeterRegistry(),
            () -> false)) {
      w.offer(named("stuck", "uid-stuck"), 1, o -> {});
      await().until(() -> down.requests().size() == 1);
      w.offer(named("fine", "uid-fine"), 2, o -> {});
      await().until(() -> up.requests().size() == 1);
      up.answer(200); // the receiver is back; "stuck" still fails first in every period
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> up.requests().size() == 2); // "fine" got through after "stuck" failed
      Thread.sleep(1000);
      assertThat(up.requests()).hasSize(2).allMatch(r -> r.header("Title").equals("fine"));
      // One request per period while "stuck" fails: bounded, not one per kept notification.
      assertThat(down.requests().size()).isBetween(3, 12);
    }
  }

  /** How many requests the target built, sent or not. */
  final java.util.concurrent.atomic.AtomicInteger built =
      new java.util.concurrent.atomic.AtomicInteger();

  TargetWorker worker(int attempts, Duration retryLater) {
    NotificationTarget counting =
        new NotificationTarget() {
          @Override
          public String name() {
            return "counting";
          }

          @Override
          public HttpRequest request(Notification n, Instant now) {
            built.incrementAndGet();
            return split.request(n, now);
          }
        };
    return new TargetWorker(
        counting,
        HttpClient.newHttpClient(),
        Duration.ofSeconds(1),
        attempts,
        Duration.ofMillis(50),
        retryLater,
        10,
        // The notifications' own time: they are worth keeping for later (until their expiry).
        Clock.fixed(Changes.NOW, java.time.ZoneOffset.UTC),
        new SimpleMeterRegistry(),
        () -> false);
  }

  /**
   * A 429 with {@code Retry-After: 2}: the retry waits the two seconds, not the 50 ms backoff, and
   * a notification due meanwhile waits too; then both go out, one request each.
   */
  @Test
  void aRetryAfterIsWaitedForByEveryNotification() throws Exception {
    up.answer(429, "2");
    List<TargetWorker.Outcome> outcomes = new CopyOnWriteArrayList<>();
    try (TargetWorker w = worker(5, Duration.ofMinutes(1))) {
      w.offer(named("first", "uid-1"), 1, outcomes::add);
      await().until(() -> up.requests().size() == 1);
      up.answer(200);
      w.offer(named("second", "uid-2"), 2, outcomes::add);
      await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.size() == 2);
      List<FakeReceiver.Request> r = up.requests();
      // Both due at the hold's end: in either order, as a retry and a new one are anyway.
      assertThat(r)
          .extracting(q -> q.header("Title"))
          .containsExactlyInAnyOrder("first", "first", "second");
      for (FakeReceiver.Request later : r.subList(1, 3)) {
        assertThat(Duration.ofNanos(later.atNanos() - r.get(0).atNanos()))
            .as("sent after the two seconds")
            .isGreaterThanOrEqualTo(Duration.ofMillis(1990));
      }
      assertThat(outcomes)
          .extracting(TargetWorker.Outcome::result, TargetWorker.Outcome::attempts)
          .containsExactlyInAnyOrder(
              tuple(TargetWorker.Result.SENT, 2), tuple(TargetWorker.Result.SENT, 1));
    }
  }

  /**
   * After waiting out a Retry-After, the request is built again: what it carries of the time
   * (Alertmanager's endsAt, three refresh periods ahead) would otherwise be past on arrival, and
   * the alert resolved while its proposal still waits.
   */
  @Test
  void aRequestHeldByARetryAfterIsBuiltAgainForItsRetry() throws Exception {
    up.answer(429, "1");
    List<TargetWorker.Outcome> outcomes = new CopyOnWriteArrayList<>();
    try (TargetWorker w = worker(5, Duration.ofMinutes(1))) {
      w.offer(named("first", "uid-1"), 1, outcomes::add);
      await().until(() -> up.requests().size() == 1);
      up.answer(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.size() == 1);
      assertThat(outcomes.get(0).result()).isEqualTo(TargetWorker.Result.SENT);
      assertThat(built.get()).as("built for the first try and again after the hold").isEqualTo(2);
    }
  }

  /**
   * A withdrawal (a deleted proposal's alert resolved) held by a Retry-After still goes when the
   * hold ends: the target has already let go of the proposal, so there is nothing new to build, and
   * the request built before is sent.
   */
  @Test
  void aWithdrawalHeldByARetryAfterIsStillSent() throws Exception {
    up.answer(429, "1");
    java.util.Set<String> shown = java.util.concurrent.ConcurrentHashMap.newKeySet();
    shown.add("uid-1");
    NotificationTarget once =
        new NotificationTarget() {
          @Override
          public String name() {
            return "once";
          }

          @Override
          public HttpRequest request(Notification n, Instant now) {
            return split.request(n, now);
          }

          @Override
          public Optional<HttpRequest> withdraw(String uid, Instant now) {
            return shown.remove(uid)
                ? Optional.of(
                    HttpRequest.newBuilder(URI.create(up.url()))
                        .header("Title", "withdrawn " + uid)
                        .POST(HttpRequest.BodyPublishers.ofString(uid))
                        .build())
                : Optional.empty();
          }
        };
    try (TargetWorker w =
        new TargetWorker(
            once,
            HttpClient.newHttpClient(),
            Duration.ofSeconds(1),
            5,
            Duration.ofMillis(50),
            Duration.ofMinutes(1),
            10,
            Clock.fixed(Changes.NOW, java.time.ZoneOffset.UTC),
            new SimpleMeterRegistry(),
            () -> false)) {
      w.withdraw("uid-1", 1);
      await().until(() -> up.requests().size() == 1);
      up.answer(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> up.requests().size() == 2);
      assertThat(up.requests()).extracting(q -> q.header("Title")).containsOnly("withdrawn uid-1");
    }
  }

  /**
   * A notification kept for later (the receiver down) is tried every 100 ms; the receiver answers a
   * try with {@code Retry-After: 3600}: no more tries while that holds, and a new notification is
   * given up (and kept) without a request, though built, so what the target keeps of its proposals
   * follows (Alertmanager's record of waiting ones).
   */
  @Test
  void aRetryAfterOverAMinuteHoldsTheTriesForLaterAndNewOnes() throws Exception {
    up.answer(503);
    List<TargetWorker.Outcome> outcomes = new CopyOnWriteArrayList<>();
    try (TargetWorker w = worker(1, Duration.ofMillis(100))) {
      w.offer(named("first", "uid-1"), 1, outcomes::add);
      await().until(() -> outcomes.size() == 1); // given up, kept for later
      await().until(() -> up.requests().size() >= 2); // tried for later, every 100 ms
      up.answer(503, "3600");
      int before = up.requests().size();
      await().until(() -> up.requests().size() == before + 1); // the try that is told to wait
      w.offer(named("second", "uid-2"), 2, outcomes::add);
      await().until(() -> outcomes.size() == 2);
      Thread.sleep(1000); // ten periods of the tries for later
      assertThat(up.requests()).as("nothing after the Retry-After").hasSize(before + 1);
      assertThat(outcomes.get(1).result()).isEqualTo(TargetWorker.Result.FAILED);
      assertThat(outcomes.get(1).attempts()).isZero();
      assertThat(outcomes.get(1).detail()).contains("Retry-After");
      assertThat(built.get()).as("second built, not sent").isEqualTo(before + 2);
    }
  }

  /** Stopping while notifications wait for a hold's end reports them dropped, once each. */
  @Test
  void stoppingReportsWhatWaitsForAHoldAsDropped() throws Exception {
    up.answer(429, "30");
    List<TargetWorker.Outcome> outcomes = new CopyOnWriteArrayList<>();
    TargetWorker w = worker(5, Duration.ofMinutes(1));
    w.offer(named("first", "uid-1"), 1, outcomes::add);
    await().until(() -> up.requests().size() == 1);
    w.offer(named("second", "uid-2"), 2, outcomes::add);
    Thread.sleep(300); // both waiting now: the retry and the new one
    w.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> outcomes.size() == 2);
    Thread.sleep(200);
    assertThat(outcomes)
        .extracting(TargetWorker.Outcome::result, TargetWorker.Outcome::detail)
        .containsOnly(tuple(TargetWorker.Result.DROPPED, "stopping"))
        .hasSize(2);
    assertThat(up.requests()).hasSize(1);
  }

  static Notification named(String name, String uid) {
    return Notification.of(
            NotifierTest.renamed(Changes.awaiting(), name), Changes.TTL, Changes.LINKS, Changes.NOW)
        .orElseThrow();
  }
}
