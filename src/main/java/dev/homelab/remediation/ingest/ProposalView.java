package dev.homelab.remediation.ingest;

import dev.homelab.remediation.api.v1alpha1.Phase;
import java.time.Instant;

/** What the intake needs to know of a proposal that exists in the cluster. */
public record ProposalView(
    String name, String svcKey, Instant createdAt, Phase phase, Long occurrences) {

  public boolean open() {
    return phase == null || phase.isOpen();
  }
}
