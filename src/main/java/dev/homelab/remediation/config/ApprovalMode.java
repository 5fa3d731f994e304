package dev.homelab.remediation.config;

/** How a proposal that needs a human gets approved. */
public enum ApprovalMode {
  /** A person (or GitOps) annotates the RemediationProposal. */
  annotation,
  /** The pending action is written at proposal time with requires_human set; the executor asks. */
  executor
}
