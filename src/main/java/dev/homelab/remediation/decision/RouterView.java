package dev.homelab.remediation.decision;

import java.time.Duration;
import java.time.Instant;

/** What the model router knows of one proposal's consultation. */
public sealed interface RouterView {
  /** Nothing queued, running or kept: a proposal still Proposing was left by a restart. */
  RouterView IDLE = new Idle();

  /** Queued or running, asked just now. */
  RouterView BUSY = new Busy(Duration.ZERO);

  /**
   * Its result was stored in status a moment ago; the cache may not show that yet, so nothing is
   * asked again.
   */
  RouterView CLAIMED = new Claimed(null);

  record Idle() implements RouterView {}

  /**
   * Queued or running.
   *
   * @param elapsed how long ago it was queued (measured by the router's monotonic clock)
   */
  record Busy(Duration elapsed) implements RouterView {
    public Busy {
      elapsed = elapsed == null || elapsed.isNegative() ? Duration.ZERO : elapsed;
    }
  }

  /** Queued or running since {@code elapsed} ago. */
  static RouterView busy(Duration elapsed) {
    return new Busy(elapsed);
  }

  /**
   * Its result was stored a moment ago.
   *
   * @param answeredAt when the model answered, if the result was an answer (null: a failed chain,
   *     or not known); another proposal of the svcKey reads it while the cache lags behind
   */
  record Claimed(Instant answeredAt) implements RouterView {}

  /**
   * Finished, not yet stored in status.
   *
   * @param at when the result was ready (null: unknown, the time of the decision is used)
   */
  record Done(ModelOutcome outcome, Instant at) implements RouterView {
    public Done(ModelOutcome outcome) {
      this(outcome, null);
    }
  }
}
