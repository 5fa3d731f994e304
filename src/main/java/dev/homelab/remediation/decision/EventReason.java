package dev.homelab.remediation.decision;

/**
 * Reasons of the Kubernetes Events recorded on a proposal (shown by kubectl describe rp): one Event
 * per status write that changes the phase, plus one for a dispatch. What the policy made of an
 * answer (approved by policy, approved for the executor, nothing to do) is said by {@code Proposed}
 * itself, since it is the same write.
 */
public enum EventReason {
  /** The model is still being asked after PROPOSING_GRACE_MILLIS (or again, for a Failed one). */
  Proposing(false),
  /** The answer and what the policy made of it. */
  Proposed(false),
  /** Its svcKey's model consultation of this window cannot be reused: asked when it ends. */
  CoolingDown(false),
  ChainFailed(true),
  Retrying(false),
  AwaitingApproval(false),
  /** Approved by a person (annotation, link, CLI). */
  Approved(false),
  Rejected(false),
  Expired(false),
  ApprovalIgnored(true),
  Dispatched(false),
  DispatchFailed(true),
  /** The service recovered before any action (SPEC 11). */
  Recovered(false),
  /** A silence matched the incident. */
  Silenced(false),
  /** The outcome of a dispatched action: Recovered, Recurred or Unknown. */
  Outcome(false),
  /** A proposal without a spec (not made by the intake): nothing to act on, deleted later. */
  Orphaned(true),
  /** A spec the intake would not have written (made by hand): nothing is asked or written. */
  InvalidSpec(true);

  private final boolean warning;

  EventReason(boolean warning) {
    this.warning = warning;
  }

  /** Kubernetes Event type: Normal or Warning. */
  public String type() {
    return warning ? "Warning" : "Normal";
  }
}
