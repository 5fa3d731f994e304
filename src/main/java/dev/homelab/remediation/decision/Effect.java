package dev.homelab.remediation.decision;

/** Something the reconciler performs for a decision, after the status patch. */
public sealed interface Effect {
  /** Queue a consultation of the model chain. */
  record Ask() implements Effect {}

  /** Forget the router's result: it is stored in status now. */
  record Claim() implements Effect {}

  /**
   * Write the pending action and the remediation_started event, then decide again with the outcome.
   * Performed before anything else, and only ever alone.
   */
  record WriteFiles() implements Effect {}

  /** Record a Kubernetes Event (repeats of one reason update one Event). */
  record Event(EventReason reason, String message) implements Effect {}

  /** Delete the proposal: retention has passed. */
  record Delete() implements Effect {}
}
