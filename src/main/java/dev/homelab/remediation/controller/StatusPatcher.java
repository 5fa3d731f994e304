package dev.homelab.remediation.controller;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;

/** Writes the reconciler's status fields, and only those (the intake owns occurrences). */
public interface StatusPatcher {
  RemediationProposal patch(
      RemediationProposal proposal, RemediationProposalStatus reconcilerFields);

  /**
   * Whether the proposal is still, in the cluster, at the resourceVersion it was decided on: read
   * (not written) just before the files of an answer approved at once are written, since their
   * status write comes after them. False when it moved on or is gone.
   */
  default boolean stillAt(RemediationProposal proposal) {
    return true;
  }

  /** The proposal as the cluster holds it now (read, not written), or null when it is gone. */
  default RemediationProposal latest(RemediationProposal proposal) {
    return proposal;
  }
}
