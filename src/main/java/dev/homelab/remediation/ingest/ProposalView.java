package dev.homelab.remediation.ingest;

import dev.homelab.remediation.api.v1alpha1.Phase;
import java.time.Instant;

/**
 * What the intake needs to know of a proposal that exists in the cluster, as of {@code
 * resourceVersion}. {@code observedAt} is the time of the event that opened it (its spec); {@code
 * silencedBy} the RemediationSilence that silenced it, if any.
 */
public record ProposalView(
    String name,
    String svcKey,
    Instant createdAt,
    Phase phase,
    Long occurrences,
    Instant firstSeen,
    Instant lastSeen,
    Instant answeredAt,
    Instant observedAt,
    String resourceVersion,
    Instant dispatchedAt,
    Instant recoveredAt,
    String silencedBy,
    String eventType) {

  /** The cooldown window runs from the model's answer once there is one, else from creation. */
  public Instant windowStart() {
    return answeredAt != null && answeredAt.isAfter(createdAt) ? answeredAt : createdAt;
  }

  public boolean open() {
    return phase == null || phase.isOpen();
  }
}
