package dev.homelab.remediation.decision;

/** What the model router knows of one proposal's consultation. */
public sealed interface RouterView {
  /** Nothing queued, running or kept: a proposal still Proposing was left by a restart. */
  RouterView IDLE = new Idle();

  /** Queued or running. */
  RouterView BUSY = new Busy();

  /**
   * Its result was stored in status a moment ago; the cache may not show that yet, so nothing is
   * asked again.
   */
  RouterView CLAIMED = new Claimed();

  record Idle() implements RouterView {}

  record Busy() implements RouterView {}

  record Claimed() implements RouterView {}

  /** Finished, not yet stored in status. */
  record Done(ModelOutcome outcome) implements RouterView {}
}
