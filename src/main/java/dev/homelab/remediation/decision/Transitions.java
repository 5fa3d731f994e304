package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.ApprovalRecord;
import dev.homelab.remediation.api.v1alpha1.DispatchRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Builds the reconciler's part of the next status for each transition (pure). Fields the intake
 * owns (occurrences, firstSeen, lastSeen) are left null, so a merge patch never touches them; the
 * one exception is the opening count, see {@link #withOpeningCount}.
 */
public final class Transitions {
  public static final String PROPOSED = "Proposed";
  public static final String APPROVED = "Approved";
  public static final String DISPATCHED = "Dispatched";

  private Transitions() {}

  /**
   * A proposal's status holds no count until the first write: the intake creates it and leaves its
   * opening event uncounted in status, and the reconciler's first status write carries it
   * (occurrences 1, firstSeen and lastSeen the spec's observedAt). One request per proposal fewer
   * than a separate write by the intake, and no race between the two first writes. Should the
   * intake have counted more events first, this write is refused as stale (its resourceVersion) and
   * decided again on the intake's count; should this write land first, the intake's is refused and
   * merged on top of it.
   */
  static Decision withOpeningCount(Observation o, Decision d) {
    RemediationProposalStatus current = o.status();
    RemediationProposalStatus s = d.status();
    if (s == null || s == current || (current != null && current.getOccurrences() != null)) {
      return d;
    }
    s.setOccurrences(1L);
    String observedAt = o.spec().getObservedAt();
    s.setFirstSeen(observedAt);
    s.setLastSeen(observedAt);
    return d;
  }

  private static RemediationProposalStatus next(
      RemediationProposalStatus current, Phase phase, String message, long generation) {
    RemediationProposalStatus s = new RemediationProposalStatus();
    s.setPhase(phase);
    s.setMessage(message);
    s.setObservedGeneration(generation);
    s.setConditions(current == null ? null : current.getConditions());
    return s;
  }

  private static void condition(
      RemediationProposalStatus s,
      String type,
      boolean ok,
      String reason,
      String message,
      long generation,
      Instant now) {
    s.setConditions(Conditions.with(s.getConditions(), type, ok, reason, message, generation, now));
  }

  public static RemediationProposalStatus proposing(
      RemediationProposalStatus current, List<String> models, long generation, Instant now) {
    String msg = "Asking " + String.join(", ", models) + ".";
    RemediationProposalStatus s = next(current, Phase.Proposing, msg, generation);
    condition(s, PROPOSED, false, "Proposing", msg, generation, now);
    return s;
  }

  /** The proposer answered and the policy was applied. */
  public static RemediationProposalStatus proposed(
      RemediationProposalStatus current,
      ProposedAction proposal,
      Phase phase,
      long generation,
      Instant now) {
    return proposed(current, proposal, phase, "policy", generation, now);
  }

  /**
   * The proposer answered and the policy was applied; an {@code Approved} phase is recorded as
   * approved by {@code approvedBy} (policy, or executor in executor mode).
   */
  public static RemediationProposalStatus proposed(
      RemediationProposalStatus current,
      ProposedAction proposal,
      Phase phase,
      String approvedBy,
      long generation,
      Instant now) {
    String what =
        proposal.getModel()
            + " proposed "
            + proposal.getAction()
            + " of "
            + proposal.getTarget()
            + " (confidence "
            + proposal.getConfidence()
            + ")"
            + (proposal.getPolicyRules().isEmpty()
                ? ""
                : "; policy: " + String.join(", ", proposal.getPolicyRules()));
    RemediationProposalStatus s = next(current, phase, what + ".", generation);
    s.setProposal(proposal);
    s.setAttempts(0);
    condition(s, PROPOSED, true, "Proposed", what, generation, now);
    switch (phase) {
      case Approved -> {
        s.setApproval(record("approved", approvedBy, now));
        if ("executor".equals(approvedBy)) {
          condition(
              s,
              APPROVED,
              true,
              "ApprovalByExecutor",
              "APPROVAL_MODE=executor: the executor asks a human.",
              generation,
              now);
        } else {
          condition(
              s,
              APPROVED,
              true,
              "ApprovedByPolicy",
              "No human approval required by policy.",
              generation,
              now);
        }
      }
      case AwaitingApproval ->
          condition(
              s,
              APPROVED,
              false,
              "AwaitingApproval",
              "Annotate with remediation.homelab.dev/approval=approved or =rejected.",
              generation,
              now);
      case Ignored -> {
        s.setCompletedAt(now.toString());
        condition(s, APPROVED, false, "Ignored", "The proposal is to do nothing.", generation, now);
      }
      default -> {}
    }
    return s;
  }

  /** Every model failed: Failed, no cooldown recorded, retried after a backoff or a new event. */
  public static RemediationProposalStatus failed(
      RemediationProposalStatus current,
      List<String> failures,
      long occurrences,
      Duration retryBase,
      long generation,
      Instant now) {
    int attempts =
        (current == null || current.getAttempts() == null ? 0 : current.getAttempts()) + 1;
    Instant nextAt = now.plus(Cooldown.retryDelay(attempts, retryBase));
    String msg = "Every model failed: " + String.join("; ", failures);
    if (msg.length() > 2000) {
      msg = msg.substring(0, 2000) + "...";
    }
    RemediationProposalStatus s = next(current, Phase.Failed, msg, generation);
    s.setAttempts(attempts);
    s.setLastAttemptAt(now.toString());
    s.setNextAttemptAt(nextAt.toString());
    s.setOccurrencesAtFailure(occurrences);
    condition(s, PROPOSED, false, "ChainFailed", msg, generation, now);
    return s;
  }

  /**
   * A consultation for the svcKey happened inside the cooldown window and its answer cannot be this
   * one's: the model is asked when the window ends (unless the service recovers first).
   */
  public static RemediationProposalStatus coolingDown(
      RemediationProposalStatus current,
      Cooldown.Consultation by,
      Instant asksAt,
      long generation,
      Instant now) {
    String msg =
        "Cooldown: "
            + by.svcKey()
            + " was consulted at "
            + by.answeredAt()
            + " for proposal "
            + by.proposalName()
            + "; the model is asked at "
            + asksAt
            + ", when the window ends, unless the service recovers first.";
    RemediationProposalStatus s = next(current, Phase.Pending, msg, generation);
    condition(s, PROPOSED, false, "CoolingDown", msg, generation, now);
    return s;
  }

  private static ApprovalRecord record(String decision, String by, Instant now) {
    ApprovalRecord a = new ApprovalRecord();
    a.setDecision(decision);
    a.setBy(by);
    a.setAt(now.toString());
    return a;
  }

  /** The early approval annotation was removed: a new one will decide. */
  public static RemediationProposalStatus staleApprovalCleared(
      RemediationProposalStatus current, long generation) {
    RemediationProposalStatus s = new RemediationProposalStatus();
    s.setPhase(current.getPhase());
    s.setObservedGeneration(generation);
    s.setStaleApproval("");
    return s;
  }

  /** A person approved by annotation. */
  public static RemediationProposalStatus approved(
      RemediationProposalStatus current, String by, long generation, Instant now) {
    RemediationProposalStatus s =
        next(current, Phase.Approved, "Approved by " + by + ".", generation);
    s.setApproval(record("approved", by, now));
    condition(s, APPROVED, true, "Approved", "Approved by " + by + ".", generation, now);
    return s;
  }

  /** A person approved a proposal to do nothing (ignore): Ignored, final, nothing is written. */
  public static RemediationProposalStatus approvedToDoNothing(
      RemediationProposalStatus current, String by, long generation, Instant now) {
    String msg = "Approved by " + by + ": the proposal is to do nothing; nothing is written.";
    RemediationProposalStatus s = next(current, Phase.Ignored, msg, generation);
    s.setApproval(record("approved", by, now));
    s.setCompletedAt(now.toString());
    condition(s, APPROVED, true, "Approved", msg, generation, now);
    return s;
  }

  /** A person rejected by annotation: final, nothing is written. */
  public static RemediationProposalStatus rejected(
      RemediationProposalStatus current, String by, long generation, Instant now) {
    RemediationProposalStatus s =
        next(current, Phase.Rejected, "Rejected by " + by + ".", generation);
    s.setApproval(record("rejected", by, now));
    s.setCompletedAt(now.toString());
    condition(s, APPROVED, false, "Rejected", "Rejected by " + by + ".", generation, now);
    return s;
  }

  /**
   * Nobody decided within {@code ttl}, the wait the proposal was given (the APPROVAL_TTL it started
   * waiting under): final, nothing is written.
   */
  public static RemediationProposalStatus expired(
      RemediationProposalStatus current, Duration ttl, long generation, Instant now) {
    String msg = "No decision within " + HumanDurations.format(ttl) + ".";
    RemediationProposalStatus s = next(current, Phase.Expired, msg, generation);
    s.setApproval(record("expired", "ttl", now));
    s.setCompletedAt(now.toString());
    condition(s, APPROVED, false, "Expired", msg, generation, now);
    return s;
  }

  /** Both files are written. */
  public static RemediationProposalStatus dispatched(
      RemediationProposalStatus current, DispatchRecord dispatch, long generation, Instant now) {
    String msg = "Pending action " + dispatch.getPendingActionPath() + " written.";
    RemediationProposalStatus s = next(current, Phase.Dispatched, msg, generation);
    s.setDispatch(dispatch);
    s.setAttempts(0);
    s.setCompletedAt(now.toString());
    condition(s, DISPATCHED, true, "Written", msg, generation, now);
    return s;
  }

  /** Writing the files failed: the proposal stays Approved, with a condition saying why. */
  public static RemediationProposalStatus dispatchFailed(
      RemediationProposalStatus current, String why, long generation, Instant now) {
    int attempts =
        (current == null || current.getAttempts() == null ? 0 : current.getAttempts()) + 1;
    Instant nextAt = now.plus(dispatchRetryDelay(attempts));
    String msg =
        "Writing the pending action failed (attempt "
            + attempts
            + "): "
            + why
            + " Retrying at "
            + nextAt
            + ".";
    RemediationProposalStatus s = next(current, Phase.Approved, msg, generation);
    s.setAttempts(attempts);
    s.setLastAttemptAt(now.toString());
    s.setNextAttemptAt(nextAt.toString());
    condition(s, DISPATCHED, false, "WriteFailed", msg, generation, now);
    return s;
  }

  /** Delay before the next write attempt: 2 s doubling, at most 5 min. */
  public static Duration dispatchRetryDelay(int attempts) {
    int shift = Math.max(0, Math.min(attempts - 1, 10));
    Duration d = Duration.ofSeconds(2).multipliedBy(1L << shift);
    return d.compareTo(Duration.ofMinutes(5)) > 0 ? Duration.ofMinutes(5) : d;
  }

  /**
   * When a final proposal may be deleted: after the retention, and never while it still holds the
   * cooldown of its svcKey.
   */
  public static Instant deleteAfter(
      RemediationProposalStatus s, Instant fallback, Duration retention, Duration cooldown) {
    Instant done = s.getCompletedAt() == null ? fallback : Instant.parse(s.getCompletedAt());
    Instant at = done.plus(retention);
    if (s.getProposal() != null && s.getProposal().getAnsweredAt() != null) {
      Instant cool = Instant.parse(s.getProposal().getAnsweredAt()).plus(cooldown);
      if (cool.isAfter(at)) {
        at = cool;
      }
    }
    return at;
  }

  /**
   * When a Failed proposal is tried next: at {@code nextAttemptAt}, or earlier when a new event
   * arrived since the failure, but never sooner than {@code retryBase} after the last attempt.
   */
  public static Instant chainRetryAt(RemediationProposalStatus s, Duration retryBase) {
    Instant last = s.getLastAttemptAt() == null ? null : Instant.parse(s.getLastAttemptAt());
    Instant next =
        s.getNextAttemptAt() == null
            ? (last == null ? Instant.EPOCH : last.plus(retryBase))
            : Instant.parse(s.getNextAttemptAt());
    boolean newEvent =
        s.getOccurrences() != null
            && s.getOccurrencesAtFailure() != null
            && s.getOccurrences() > s.getOccurrencesAtFailure();
    if (newEvent && last != null) {
      Instant early = last.plus(retryBase);
      if (early.isBefore(next)) {
        next = early;
      }
    }
    return next;
  }

  /** A Failed proposal nobody could answer within the approval TTL: final, nothing written. */
  public static RemediationProposalStatus unanswered(
      RemediationProposalStatus current, Duration ttl, long generation, Instant now) {
    String msg = "No model answered within " + HumanDurations.format(ttl) + "; nothing is written.";
    RemediationProposalStatus s = next(current, Phase.Expired, msg, generation);
    s.setApproval(record("expired", "ttl", now));
    s.setCompletedAt(now.toString());
    condition(s, PROPOSED, false, "Unanswered", msg, generation, now);
    return s;
  }

  /**
   * A spec the intake would not have written: Ignored, final, nothing asked or written; retention
   * counts from now.
   */
  public static RemediationProposalStatus invalidSpec(
      String problem, long generation, Instant now) {
    RemediationProposalStatus s = new RemediationProposalStatus();
    // Final, and written over whatever open phase it had (a merge patch keeps what is not sent).
    s.setPhase(Phase.Ignored);
    s.setMessage(
        "Invalid spec: "
            + problem
            + ". This proposal was not made by the intake; nothing is asked or written for it,"
            + " and it is deleted after the retention.");
    s.setObservedGeneration(generation);
    s.setCompletedAt(now.toString());
    return s;
  }

  /** A proposal without a spec: nothing to act on; retention counts from now. */
  public static RemediationProposalStatus orphaned(long generation, Instant now) {
    RemediationProposalStatus s = new RemediationProposalStatus();
    s.setMessage(
        "No spec: this proposal was not made by the intake (for example an approval manifest"
            + " re-applied after its proposal was deleted); it is deleted after the retention.");
    s.setObservedGeneration(generation);
    s.setCompletedAt(now.toString());
    return s;
  }
}
