package dev.homelab.remediation.notify;

import java.time.Duration;

/**
 * How long a target asked to be left alone: the latest end its {@code Retry-After} answers gave, at
 * most {@link #MAX} ahead (a receiver that asks for a year is not believed). On the monotonic clock
 * ({@link System#nanoTime}) the worker's scheduled retries run by. Worker thread only.
 */
final class Hold {
  static final Duration MAX = Duration.ofHours(1);
  private boolean on;
  private long untilNanos;

  /** Takes in what {@code a} asked, if anything. */
  void askedBy(Attempt a) {
    if (a.retryAfter() == null) {
      return;
    }
    long end =
        System.nanoTime() + (a.retryAfter().compareTo(MAX) > 0 ? MAX : a.retryAfter()).toNanos();
    if (!on || end - untilNanos > 0) {
      untilNanos = end;
      on = true;
    }
  }

  /** What is left of the hold now; zero when none. */
  Duration remaining() {
    long left = on ? untilNanos - System.nanoTime() : 0;
    return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
  }
}
