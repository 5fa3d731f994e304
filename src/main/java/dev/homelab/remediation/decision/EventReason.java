package dev.homelab.remediation.decision;

/** Reasons of the Kubernetes Events recorded on a proposal (shown by kubectl describe rp). */
public enum EventReason {
  Pending(false),
  Proposing(false),
  Proposed(false),
  CooldownSuppressed(false),
  ChainFailed(true),
  Retrying(false),
  AwaitingApproval(false),
  ApprovedByPolicy(false),
  Approved(false),
  Rejected(false),
  Expired(false),
  Ignored(false),
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
  Orphaned(true);

  private final boolean warning;

  EventReason(boolean warning) {
    this.warning = warning;
  }

  /** Kubernetes Event type: Normal or Warning. */
  public String type() {
    return warning ? "Warning" : "Normal";
  }
}
