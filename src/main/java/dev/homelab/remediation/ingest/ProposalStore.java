package dev.homelab.remediation.ingest;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import java.time.Instant;
import java.util.Optional;

/** The intake's writes to the cluster. */
public interface ProposalStore {

  /**
   * What {@link #createIfAbsent} did: created {@code proposal} (this call, or an earlier try of the
   * same create whose answer was lost: the one found carries its create token), or found another
   * one of that name.
   */
  record Creation(boolean created, ProposalView proposal) {}

  /** What a conditional write of the intake's fields did. */
  enum Outcome {
    /** Written; the proposal is now at the returned resourceVersion. */
    WRITTEN,
    /** Not written: the proposal changed since the given resourceVersion. */
    STALE,
    /** Not written: the proposal no longer exists. */
    GONE
  }

  record Write(Outcome outcome, String resourceVersion) {}

  /**
   * Creates the proposal. When one of that name exists already, returns its view instead and
   * changes nothing.
   */
  Creation createIfAbsent(RemediationProposal proposal);

  /** The proposal as the cluster holds it now, or empty when it does not exist. */
  Optional<ProposalView> read(String name);

  /**
   * Sets the intake's status fields with a merge patch that touches no other field, only if the
   * proposal is still at {@code resourceVersion} (optimistic concurrency, as the API server does
   * for a patch that carries one).
   */
  Write patchOccurrences(
      String name, String resourceVersion, long occurrences, Instant firstSeen, Instant lastSeen);

  /**
   * Sets status.recoveredAt (the intake's, with a merge patch that touches no other field): a
   * benign event for the svcKey was observed at {@code at}. False when the proposal is gone.
   */
  boolean patchRecovered(String name, Instant at);
}
