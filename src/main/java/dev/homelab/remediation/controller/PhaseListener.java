package dev.homelab.remediation.controller;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;

/**
 * Told of every phase change the reconciler wrote, after the write succeeded. This is where
 * notifications plug in. It is called on a reconciler thread: an implementation must not block
 * (queue the work) and must not throw.
 */
public interface PhaseListener {

  /** A listener that does nothing. */
  PhaseListener NONE = change -> {};

  /**
   * One phase change.
   *
   * @param proposal the proposal as observed before the write (spec, metadata, annotations)
   * @param from the phase before (null for a new proposal)
   * @param written the reconciler's status fields that were written (the new phase among them)
   */
  record Change(
      RemediationProposal proposal, Phase from, Phase to, RemediationProposalStatus written) {}

  void changed(Change change);
}
