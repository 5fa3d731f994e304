package dev.homelab.remediation.notify;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One place notifications go (a webhook, an ntfy topic, an Alertmanager). A target only builds
 * requests; its {@link TargetWorker} sends them on its own thread, with the timeout, the retries
 * and the counting. The worker calls a target from that one thread only.
 */
public interface NotificationTarget {

  /** The target's name in metrics, logs and {@code status.notification.targets}. */
  String name();

  /** The request that delivers {@code n}; built once, sent again as it is on a retry. */
  HttpRequest request(Notification n, Instant now);

  /** How often {@link #refresh} is called; empty (the default) when the target needs no refresh. */
  default Optional<Duration> refreshEvery() {
    return Optional.empty();
  }

  /** The request that refreshes what must stay visible, or empty when nothing must. */
  default Optional<HttpRequest> refresh(Instant now) {
    return Optional.empty();
  }

  /**
   * A newer notification of proposal {@code uid} than the one it last built could not be queued:
   * stop refreshing what it shows of it (it then ends by itself). May be called from any thread.
   */
  default void forgetWaiting(String uid) {}

  /**
   * The request that takes back what this target still shows of a proposal that was deleted (its
   * uid), or empty when it shows nothing (the default: a message sent is not taken back).
   */
  default Optional<HttpRequest> withdraw(String uid, Instant now) {
    return Optional.empty();
  }
}
