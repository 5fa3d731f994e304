package dev.homelab.remediation.ingest;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import java.time.Instant;
import java.util.Optional;

/** The intake's writes to the cluster. */
public interface ProposalStore {

  /**
   * Creates the proposal. When one of that name exists already, returns its view instead and
   * changes nothing.
   */
  Optional<ProposalView> createIfAbsent(RemediationProposal proposal);

  /**
   * Sets the intake's status fields with a merge patch that touches no other field.
   *
   * @return false when the proposal no longer exists
   */
  boolean patchOccurrences(String name, long occurrences, Instant firstSeen, Instant lastSeen);
}
