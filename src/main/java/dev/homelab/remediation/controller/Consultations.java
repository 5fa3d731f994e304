package dev.homelab.remediation.controller;

import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.decision.Cooldown;
import dev.homelab.remediation.decision.ModelOutcome;
import dev.homelab.remediation.decision.Names;
import dev.homelab.remediation.decision.RouterView;
import dev.homelab.remediation.llm.Router;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The model consultations of a svcKey's proposals, for the cooldown (SPEC 5): what their status
 * records, and, for one whose status shows no answer, what the router knows of it.
 */
final class Consultations {
  private Consultations() {}

  /**
   * The svcKey's recorded answers, and its consultations the router is still busy with (or holds
   * the answer of, not recorded yet) whose proposal has no answer in status.
   */
  static List<Cooldown.Consultation> of(
      List<RemediationProposal> sameSvcKey, Router router, Clock clock) {
    List<Cooldown.Consultation> out = new ArrayList<>();
    sameSvcKey.forEach(
        other -> {
          RemediationProposalStatus s = other.getStatus();
          if (other.getSpec() == null
              || Names.problem(other.getMetadata().getName(), other.getSpec()).isPresent()) {
            return;
          }
          if (s != null && s.getProposal() != null && s.getProposal().getAnsweredAt() != null) {
            out.add(
                new Cooldown.Consultation(
                    other.getMetadata().getName(),
                    other.getSpec().getSvcKey(),
                    Instant.parse(s.getProposal().getAnsweredAt()),
                    s.getProposal(),
                    other.getSpec().getEventType()));
          } else {
            answeredOrUnderWay(other, router, clock).ifPresent(out::add);
          }
        });
    return out;
  }

  /**
   * What the router knows of the consultation of a proposal whose status shows no answer (it closed
   * while the model was asked, or the cache lags behind the write of its answer): under way, or
   * answered at the time the router saw the answer.
   */
  private static Optional<Cooldown.Consultation> answeredOrUnderWay(
      RemediationProposal other, Router router, Clock clock) {
    String name = other.getMetadata().getName();
    String svcKey = other.getSpec().getSvcKey();
    RouterView view = router.view(ProposalReconciler.key(other));
    if (view instanceof RouterView.Busy) {
      return Optional.of(Cooldown.Consultation.underWay(name, svcKey));
    }
    if (view instanceof RouterView.Done d && d.outcome() instanceof ModelOutcome.Answered a) {
      Instant answeredAt = d.at() == null ? clock.instant() : d.at();
      return Optional.of(
          new Cooldown.Consultation(
              name, svcKey, answeredAt, asked(a, answeredAt), other.getSpec().getEventType()));
    }
    if (view instanceof RouterView.Claimed c && c.answeredAt() != null) {
      // Its answer is being recorded; a sibling reads it from status once the cache has it.
      return Optional.of(new Cooldown.Consultation(name, svcKey, c.answeredAt()));
    }
    return Optional.empty();
  }

  /** The model's answer as the router holds it (before the policy, which a reuse applies). */
  private static ProposedAction asked(ModelOutcome.Answered a, Instant answeredAt) {
    ProposedAction p = new ProposedAction();
    p.setAction(a.answer().action());
    p.setReason(a.answer().reason());
    p.setConfidence(a.answer().confidence());
    p.setRequiresHuman(a.answer().requiresHuman());
    p.setTarget(a.answer().target());
    p.setModel(a.answer().model());
    p.setAnsweredAt(answeredAt.toString());
    return p;
  }
}
