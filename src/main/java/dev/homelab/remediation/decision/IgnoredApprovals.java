package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.ApprovalRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An approval annotation that decides nothing (the proposal is not awaiting approval, or the value
 * is neither approved nor rejected) is reported once per value by a warning Event, remembered in
 * status.ignoredApproval until the annotation is removed.
 */
final class IgnoredApprovals {
  private IgnoredApprovals() {}

  /**
   * An approval annotation on a proposal outside AwaitingApproval changes nothing: one warning
   * Event per annotation value, remembered in status.ignoredApproval.
   */
  static Decision withWarning(Observation o, Decision d) {
    if (d.has(Effect.Delete.class) || d.has(Effect.WriteFiles.class)) {
      return d;
    }
    Optional<Approvals.Decision> annotation = Approvals.read(o.annotations());
    if (annotation.isEmpty()) {
      return forgotten(o, d);
    }
    RemediationProposalStatus s = o.status() == null ? new RemediationProposalStatus() : o.status();
    if (madeTheDecision(annotation.get(), s.getApproval())) {
      return d; // this annotation made the decision
    }
    Phase shown =
        d.status() != null && d.status().getPhase() != null ? d.status().getPhase() : s.getPhase();
    if (shown == Phase.AwaitingApproval) {
      return d; // the answer just arrived: the annotation is recorded as staleApproval
    }
    String value = annotation.get().value();
    if (shown == null
        || shown == Phase.Pending
        || shown == Phase.Proposing
        || shown == Phase.Failed) {
      // Not answered yet: once it awaits approval this annotation is stale. Warned as such now,
      // under the key the answer's write checks, so the answer does not warn a second time.
      return warnOnce(o, d, staleKey(value), staleMessage(value));
    }
    return warnOnce(
        o,
        d,
        value,
        "Annotation "
            + Approvals.APPROVAL
            + "="
            + value
            + " ignored: the proposal is "
            + shown
            + ", not AwaitingApproval.");
  }

  /**
   * The annotation warned about was removed: forget it (one write, riding on any the decision makes
   * anyway), so that setting it again is annotating again and is warned about again (SPEC 6).
   */
  private static Decision forgotten(Observation o, Decision d) {
    String warned = o.status() == null ? null : o.status().getIgnoredApproval();
    if (warned == null || warned.isEmpty()) {
      return d;
    }
    RemediationProposalStatus s = d.status();
    if (s == null) {
      s = new RemediationProposalStatus();
      s.setObservedGeneration(o.generation());
    }
    s.setIgnoredApproval("");
    return new Decision(s, d.effects(), d.recheckAfter());
  }

  /**
   * True when the annotation is the one that decided: the decision was an annotation's (a person's
   * or a link's) and the annotation still says the same. One overwritten afterwards ({@code
   * --overwrite ...=rejected} on a dispatched proposal) decides nothing and is warned about.
   */
  private static boolean madeTheDecision(Approvals.Decision annotation, ApprovalRecord decided) {
    if (decided == null || decided.getBy() == null || !decided.getBy().startsWith("annotation")) {
      return false;
    }
    String verdict = decided.getDecision();
    return verdict == null // recorded before the decision was: as before, no warning
        || switch (annotation.verdict()) {
          case APPROVED -> verdict.equals("approved");
          case REJECTED -> verdict.equals("rejected");
          case UNKNOWN -> false;
        };
  }

  /** Adds the warning to {@code base} unless {@code key} was warned about already. */
  static Decision warnOnce(Observation o, Decision base, String key, String message) {
    Decision d = base == null ? Decision.nothing() : base;
    if (o.status() != null && key.equals(o.status().getIgnoredApproval())) {
      return d;
    }
    RemediationProposalStatus s = d.status();
    if (s == null) {
      s = new RemediationProposalStatus();
      s.setObservedGeneration(o.generation());
    }
    s.setIgnoredApproval(key);
    List<Effect> effects = new ArrayList<>(d.effects());
    effects.add(new Effect.Event(EventReason.ApprovalIgnored, message));
    return new Decision(s, effects, d.recheckAfter());
  }

  /** The key remembered in status.ignoredApproval once an early annotation was warned about. */
  static String staleKey(String value) {
    return value + "@stale";
  }

  static String staleMessage(String value) {
    return "Annotation "
        + Approvals.APPROVAL
        + "="
        + value
        + " was set before the proposal awaited approval and is ignored; remove it"
        + " and annotate again to decide.";
  }
}
