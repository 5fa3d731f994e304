package dev.homelab.remediation.decision;

/** A safety rule that changed a proposal; its value is what status.proposal.policyRules lists. */
public enum PolicyRule {
  ALWAYS_HUMAN_NODE("always-human-node"),
  NOTIFY_ONLY_EVENT("notify-only-event"),
  MIN_CONFIDENCE("min-confidence"),
  TARGET_PINNED("target-pinned"),
  RULES_PROPOSER("rules-proposer"),
  /** A node-level incident (no service) is never a service restart or redeploy: notify. */
  NODE_LEVEL("node-level"),
  /**
   * REMEDIATION_BUDGET's policy-approved dispatches for the svcKey are used up: a human decides.
   */
  BUDGET_EXHAUSTED("budget-exhausted"),
  /** The last action for the svcKey did not help (Recurred): a human decides. */
  PREVIOUS_ACTION_RECURRED("previous-action-recurred");

  private final String id;

  PolicyRule(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }
}
