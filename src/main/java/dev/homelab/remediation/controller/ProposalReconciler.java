package dev.homelab.remediation.controller;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.decision.Conditions;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;

/**
 * Takes each RemediationProposal through its phases. A new proposal is marked {@code Pending}
 * with its {@code Proposed} condition and {@code observedGeneration}.
 */
public final class ProposalReconciler implements Reconciler<RemediationProposal> {
  public static final String CONDITION_PROPOSED = "Proposed";

  private final StatusPatcher status;
  private final Clock clock;

  public ProposalReconciler(StatusPatcher status, Clock clock) {
    this.status = status;
    this.clock = clock;
  }

  @Override
  public UpdateControl<RemediationProposal> reconcile(
      RemediationProposal proposal, Context<RemediationProposal> context) {
    RemediationProposalStatus current = proposal.getStatus();
    long generation = proposal.getMetadata().getGeneration() == null ? 0 : proposal.getMetadata().getGeneration();
    if (current != null
        && current.getPhase() != null
        && current.getObservedGeneration() != null
        && current.getObservedGeneration() == generation) {
      return UpdateControl.noUpdate();
    }
    RemediationProposalStatus next = new RemediationProposalStatus();
    next.setPhase(current == null || current.getPhase() == null ? Phase.Pending : current.getPhase());
    next.setObservedGeneration(generation);
    if (next.getPhase() == Phase.Pending) {
      next.setConditions(
          Conditions.with(
              current == null ? null : current.getConditions(),
              CONDITION_PROPOSED,
              false,
              "Pending",
              "Waiting for a proposal from the LLM router.",
              generation,
              clock.instant()));
    }
    status.patch(proposal, next);
    return UpdateControl.noUpdate();
  }
}
