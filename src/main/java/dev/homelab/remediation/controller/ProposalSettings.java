package dev.homelab.remediation.controller;

import dev.homelab.remediation.config.ApprovalMode;
import dev.homelab.remediation.decision.PolicyConfig;
import java.time.Duration;

/** What the reconciler needs of the configuration. */
public record ProposalSettings(
    PolicyConfig policy,
    Duration cooldown,
    Duration retryBase,
    ApprovalMode approvalMode,
    Duration approvalTtl,
    Duration retention) {}
