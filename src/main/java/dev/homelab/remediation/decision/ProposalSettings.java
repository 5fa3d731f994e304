package dev.homelab.remediation.decision;

import java.time.Duration;
import java.util.List;

/**
 * What the phase machine needs of the configuration.
 *
 * @param models the chain's links in order, named in the Proposing message
 * @param executorApproval APPROVAL_MODE=executor: a proposal needing a human is written at once,
 *     with requires_human set, for an executor that runs its own approval
 */
public record ProposalSettings(
    PolicyConfig policy,
    Duration cooldown,
    Duration retryBase,
    boolean executorApproval,
    Duration approvalTtl,
    Duration retention,
    List<String> models) {
  public ProposalSettings {
    models = List.copyOf(models);
  }
}
