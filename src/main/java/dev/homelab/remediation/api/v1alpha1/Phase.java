package dev.homelab.remediation.api.v1alpha1;

/** Where a proposal is in its life. See docs/architecture.md for the transitions. */
public enum Phase {
  /**
   * Not written any more (a new proposal has no phase until it is decided); read from older ones.
   */
  Pending,
  /** Written when the model is still busy after PROPOSING_GRACE_MILLIS. */
  Proposing,
  AwaitingApproval,
  Approved,
  Ignored,
  Rejected,
  Expired,
  Dispatched,
  Failed,
  /** The service recovered before any action: nothing was written. */
  Resolved,
  /** A silence matched the incident: no model call, nothing written. */
  Silenced;

  /** Final phases: nothing more happens but retention. */
  public boolean isFinal() {
    return !isOpen();
  }

  /** Open proposals still absorb further events for their svcKey. */
  public boolean isOpen() {
    return switch (this) {
      case Pending, Proposing, AwaitingApproval, Approved, Failed -> true;
      case Ignored, Rejected, Expired, Dispatched, Resolved, Silenced -> false;
    };
  }
}
