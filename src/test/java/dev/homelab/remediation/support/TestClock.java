package dev.homelab.remediation.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that tests move forward by hand; it also moves with real time, unless {@link #stoppedAt}
 * made it.
 */
public final class TestClock extends Clock {
  private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

  /** Null: real time. */
  private final Instant stoppedAt;

  public TestClock() {
    this(null);
  }

  private TestClock(Instant stoppedAt) {
    this.stoppedAt = stoppedAt;
  }

  /** A clock at {@code start} that moves only when the test moves it. */
  public static TestClock stoppedAt(Instant start) {
    return new TestClock(start);
  }

  public void advance(Duration d) {
    offset.updateAndGet(o -> o.plus(d));
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return (stoppedAt == null ? Instant.now() : stoppedAt).plus(offset.get());
  }
}
