package dev.homelab.remediation.decision;

/** Something the reconciler performs for a decision, after the status patch. */
public sealed interface Effect {
  /** Queue a consultation of the model chain. */
  record Ask() implements Effect {}

  /** Forget the router's result: it is stored in status now. */
  record Claim() implements Effect {}

  /**
   * Write the pending action and the remediation_started event for the decision's status (laid over
   * the proposal's), then decide again with the outcome. A decision with this effect is a draft:
   * the reconciler performs only the file write, and the decision made with its outcome (one status
   * write of the approval and the dispatch) is the one performed. Writing twice is harmless: the
   * action id is stable and an existing event file is reused.
   */
  record WriteFiles() implements Effect {}

  /** Record a Kubernetes Event (repeats of one reason update one Event). */
  record Event(EventReason reason, String message) implements Effect {}

  /** Delete the proposal: retention has passed. */
  record Delete() implements Effect {}
}
