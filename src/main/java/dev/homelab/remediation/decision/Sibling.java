package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.Phase;
import java.time.Instant;

/**
 * Another proposal of the same svcKey, as the cache shows it: what the budget, the outcome and the
 * model's "recent outcomes" are counted from.
 *
 * @param answeredAt null until the model answered
 * @param dispatchedAt null unless its files were written
 * @param approvedBy policy, executor, annotation…, or null
 * @param outcome Recovered, Recurred, Unknown, or null
 */
public record Sibling(
    String name,
    Instant createdAt,
    Phase phase,
    String action,
    Instant answeredAt,
    Instant dispatchedAt,
    String approvedBy,
    String outcome,
    Instant outcomeAt) {}
