package dev.homelab.remediation.controller;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.decision.EventReason;

/** Records a Kubernetes Event on a proposal. Never fails the caller. */
public interface EventRecorder {
  void record(RemediationProposal proposal, EventReason reason, String message);
}
