package dev.homelab.remediation.llm;

import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import java.util.Objects;

/**
 * What the chain is asked about: one incident.
 *
 * @param proposalName name of the RemediationProposal, for logs
 * @param event the normalised event that opened the incident (the proposal's spec)
 * @param occurrences how many events were folded into the incident so far (at least 1)
 * @param recentOutcomes the svcKey's recent actions, newest first: what was done, when, and whether
 *     it helped (SPEC 11)
 */
public record ProposalRequest(
    String proposalName,
    RemediationProposalSpec event,
    long occurrences,
    java.util.List<String> recentOutcomes) {
  public ProposalRequest {
    Objects.requireNonNull(event, "event");
    recentOutcomes =
        recentOutcomes == null ? java.util.List.of() : java.util.List.copyOf(recentOutcomes);
  }

  public ProposalRequest(String proposalName, RemediationProposalSpec event, long occurrences) {
    this(proposalName, event, occurrences, java.util.List.of());
  }
}
