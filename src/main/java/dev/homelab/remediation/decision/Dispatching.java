package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.DispatchRecord;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of writing the executor's files (written in this reconcile), as the status write that
 * records it: {@code Dispatched}, or {@code Approved} with the retry schedule of a failed write (2
 * s doubling, at most 5 min).
 */
final class Dispatching {
  private Dispatching() {}

  /** A proposal already {@code Approved} in status: the files' outcome alone. */
  static Decision of(Observation o) {
    return decide(o, o.status(), List.of());
  }

  /**
   * A proposal answered and approved in this reconcile: one write of {@code answered} (the answer
   * and its approval) with the files' outcome laid over it, and the {@code before} effects (the
   * claim, the Proposed Event) ahead of the outcome's Event.
   */
  static Decision withAnswer(
      Observation o, RemediationProposalStatus answered, List<Effect> before) {
    Decision d = decide(o, answered, before);
    RemediationProposalStatus s = d.status();
    s.setProposal(answered.getProposal());
    s.setApproval(answered.getApproval());
    return d;
  }

  private static Decision decide(
      Observation o, RemediationProposalStatus base, List<Effect> before) {
    Instant now = o.now();
    List<Effect> effects = new ArrayList<>(before);
    DispatchOutcome outcome = o.dispatch().orElseThrow();
    if (outcome instanceof DispatchOutcome.Written w) {
      DispatchRecord record = new DispatchRecord();
      record.setActionId(w.actionId());
      record.setPendingActionPath(w.pendingActionPath());
      record.setEventPath(w.eventPath());
      record.setAt(now.toString());
      record.setOccurrences(o.occurrences());
      effects.add(
          new Effect.Event(
              EventReason.Dispatched,
              "Wrote " + w.pendingActionPath() + " and " + w.eventPath() + "."));
      return new Decision(Transitions.dispatched(base, record, o.generation(), now), effects, null);
    }
    DispatchOutcome.Failed f = (DispatchOutcome.Failed) outcome;
    RemediationProposalStatus s = Transitions.dispatchFailed(base, f.why(), o.generation(), now);
    effects.add(new Effect.Event(EventReason.DispatchFailed, s.getMessage()));
    return new Decision(s, effects, Duration.between(now, Instant.parse(s.getNextAttemptAt())));
  }
}
