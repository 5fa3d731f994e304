package dev.homelab.remediation.controller;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;

/** Writes the reconciler's status fields, and only those (the intake owns occurrences). */
public interface StatusPatcher {
  RemediationProposal patch(
      RemediationProposal proposal, RemediationProposalStatus reconcilerFields);
}
