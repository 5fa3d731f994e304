package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the phase machine decides from: the proposal as the cache shows it, what its
 * collaborators report, and the time.
 *
 * @param createdAt the proposal's creationTimestamp
 * @param spec null for a proposal the intake did not make
 * @param status null before the first status write
 * @param dispatch the outcome of writing the files, when they were written in this reconcile
 * @param consultations the model answers recorded by proposals in the cluster (the cooldown)
 * @param siblings the other proposals of the same svcKey (budget, outcomes)
 * @param silences the RemediationSilences in the namespace (a new incident that one matches is
 *     Silenced)
 */
public record Observation(
    String name,
    String uid,
    Instant createdAt,
    long generation,
    Map<String, String> annotations,
    RemediationProposalSpec spec,
    RemediationProposalStatus status,
    RouterView router,
    Optional<DispatchOutcome> dispatch,
    List<Cooldown.Consultation> consultations,
    List<Sibling> siblings,
    List<Silences.Silence> silences,
    Instant now) {

  public Observation {
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    consultations = List.copyOf(consultations);
    siblings = List.copyOf(siblings);
    silences = List.copyOf(silences);
  }

  /** The phase recorded in status, or null before the first write. */
  public Phase phase() {
    return status == null ? null : status.getPhase();
  }

  public Observation withDispatch(DispatchOutcome outcome) {
    return new Observation(
        name,
        uid,
        createdAt,
        generation,
        annotations,
        spec,
        status,
        router,
        Optional.of(outcome),
        consultations,
        siblings,
        silences,
        now);
  }

  public long occurrences() {
    Long o = status == null ? null : status.getOccurrences();
    return o == null ? 1 : o;
  }
}
