package dev.homelab.remediation.ingest;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * How far the Redis reader is behind, and what it does about it: whether the parse workers pause so
 * it gets the CPU ({@link #behind()}), and whether it drops what it reads unranked ({@link
 * #skimming()}, shed as {@code behind}) because the subscription is at risk.
 *
 * <p>Two measures: the bytes waiting in the reader's socket (after each full read) out of its
 * receive buffer as the kernel reports it, and the bytes Redis holds for the subscriber in its
 * output buffer ({@link OutputBufferProbe}), which is what Redis closes the subscription over.
 *
 * <ul>
 *   <li>Past an eighth of the socket's receive buffer the reader is behind: the workers pause
 *       ({@link #pause}), unless their queue is at risk while Redis holds little.
 *   <li>With Redis's figure fresh (at most {@link #FRESH_NANOS} old), the reader skims once Redis
 *       holds more than the level the probe gives (4 MiB: half the default soft limit for
 *       subscribers, an eighth of the hard one; less for a Redis configured lower) and stops once
 *       it holds at most a quarter of that and the socket is under an eighth again: a stall of a
 *       few milliseconds waits in Redis and is read after it, not dropped. Past twice that level (a
 *       quarter of Redis's hard limit by default, half of a lower one it follows) the reader drops
 *       what it reads without even looking it up ({@link #draining()}), until Redis is back at the
 *       level: the fastest it can read, for when skimming did not keep up. Early, because the
 *       figure lags and the reader may get little CPU: what grows meanwhile (a stall of 50 ms at
 *       full speed is 10 MiB) must still fit under the hard limit.
 *   <li>Without it, the socket alone decides, conservatively: skim past a quarter, stop under an
 *       eighth. The fractions are small because how much a socket holds against the size reported
 *       differs between kernels (docs/reliability.md); a higher one might never be reached.
 * </ul>
 *
 * Written by the reader thread ({@link #socket}) and the probe's ({@link #redis}); read by all.
 */
final class ReaderBacklog {
  static final long FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  /**
   * How fresh a figure must be to say Redis holds little (three probes while busy): one from before
   * a stall of the process says nothing of what Redis took in during it.
   */
  static final long LITTLE_FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(30);

  private volatile long socketBytes;
  private volatile long redisBytes = -1;
  private volatile long redisAtNanos;
  private volatile long skimAbove = OutputBufferProbe.DEFAULT_SKIM_ABOVE;
  private volatile boolean behind;
  private volatile boolean skimming;
  private volatile boolean draining;

  /** After a full read: {@code bytes} still waiting in the socket, out of {@code capacity}. */
  void socket(long bytes, long capacity, long nowNanos) {
    socketBytes = bytes;
    behind = bytes > capacity / 8;
    long at = redisAtNanos; // before the bytes, which are written first: never newer than they are
    long redis = redisBytes;
    boolean known = redis >= 0 && nowNanos - at <= FRESH_NANOS;
    long above = skimAbove;
    // Past twice the level (a quarter of the hard limit, by default): drop unlooked-at till back.
    draining = known && (redis > above * 2 || (draining && redis > above));
    if (known ? redis > above : bytes > capacity / 4) {
      skimming = true;
    } else if (!behind && (!known || redis <= above / 4)) {
      skimming = false;
    }
  }

  /**
   * Redis's output buffer for the subscriber (-1 when not known), and the level to skim above (see
   * {@link OutputBufferProbe}); skimming stops at a quarter of it.
   */
  void redis(long bytes, long skimAbove, long nowNanos) {
    this.skimAbove = skimAbove;
    redisBytes = bytes;
    redisAtNanos = nowNanos;
  }

  /**
   * How long a parse worker whose own pause is {@code own} waits before its next message (0: not at
   * all). While the reader skims, about to lose the race, every worker yields {@code longest};
   * while it is behind in its socket, each its own, so the reader gets the CPU — except when their
   * queue is half-way to shedding repeats ({@code queueAtRisk}) and Redis's fresh figure says it
   * holds little for the subscriber: then the socket's backlog is all there is behind, and pausing
   * would only shed it as repeats once the reader hands it on (at 650,000 events/s paced, a stall's
   * 2 MB did).
   */
  long pause(long own, long longest, BooleanSupplier queueAtRisk) {
    if (skimming) {
      return longest;
    }
    if (!behind) {
      return 0;
    }
    return queueAtRisk.getAsBoolean() && redisHoldsLittle(System.nanoTime()) ? 0 : own;
  }

  /**
   * Redis's figure is at most {@link #LITTLE_FRESH_NANOS} old and at most a quarter of the skim
   * level (1 MiB by default).
   */
  boolean redisHoldsLittle(long nowNanos) {
    long at = redisAtNanos;
    long redis = redisBytes;
    return redis >= 0 && nowNanos - at <= LITTLE_FRESH_NANOS && redis <= skimAbove / 4;
  }

  boolean behind() {
    return behind;
  }

  boolean skimming() {
    return skimming;
  }

  /**
   * Redis holds more than twice the skim level (until back at it): drop what is read without
   * looking at it.
   */
  boolean draining() {
    return draining;
  }

  long socketBytes() {
    return socketBytes;
  }

  /** How old Redis's figure is, in ms. */
  long redisAgeMillis(long nowNanos) {
    return TimeUnit.NANOSECONDS.toMillis(nowNanos - redisAtNanos);
  }

  /** Redis's output buffer for the subscriber as last probed; -1 when not known. */
  long redisBytes() {
    return redisBytes;
  }
}
