package dev.homelab.remediation.decision;

import java.time.Duration;
import java.util.List;

/**
 * What the phase machine needs of the configuration.
 *
 * @param models the chain's links in order, named in the Proposing message
 * @param executorApproval APPROVAL_MODE=executor: a proposal needing a human is written at once,
 *     with requires_human set, for an executor that runs its own approval
 * @param outcomeWindow OUTCOME_WINDOW: how long after a dispatch its outcome is watched
 * @param budgetCount REMEDIATION_BUDGET's count: policy-approved dispatches per svcKey per window
 * @param budgetWindow REMEDIATION_BUDGET's window
 * @param proposingGrace PROPOSING_GRACE_MILLIS: how long a new proposal's consultation may run
 *     before phase Proposing is written (an answer within it is written with nothing before it)
 */
public record ProposalSettings(
    PolicyConfig policy,
    Duration cooldown,
    Duration retryBase,
    boolean executorApproval,
    Duration approvalTtl,
    Duration retention,
    List<String> models,
    Duration outcomeWindow,
    int budgetCount,
    Duration budgetWindow,
    Duration proposingGrace) {
  public static final Duration DEFAULT_OUTCOME_WINDOW = Duration.ofMinutes(15);
  public static final Duration DEFAULT_PROPOSING_GRACE = Duration.ofMillis(500);
  public static final int DEFAULT_BUDGET_COUNT = 3;
  public static final Duration DEFAULT_BUDGET_WINDOW = Duration.ofHours(24);

  public ProposalSettings {
    models = List.copyOf(models);
  }

  /** With the default outcome window, budget and Proposing grace (15m, 3/24h, 500 ms). */
  public ProposalSettings(
      PolicyConfig policy,
      Duration cooldown,
      Duration retryBase,
      boolean executorApproval,
      Duration approvalTtl,
      Duration retention,
      List<String> models) {
    this(
        policy,
        cooldown,
        retryBase,
        executorApproval,
        approvalTtl,
        retention,
        models,
        DEFAULT_OUTCOME_WINDOW,
        DEFAULT_BUDGET_COUNT,
        DEFAULT_BUDGET_WINDOW,
        DEFAULT_PROPOSING_GRACE);
  }
}
