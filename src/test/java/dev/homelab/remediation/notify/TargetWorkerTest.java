package dev.homelab.remediation.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.support.FakeNtfy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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

  static Notification named(String name, String uid) {
    return Notification.of(
            NotifierTest.renamed(Changes.awaiting(), name), Changes.TTL, Changes.LINKS, Changes.NOW)
        .orElseThrow();
  }
}
