package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The whole life of a proposal as one pure function: from an {@link Observation} (the resource, the
 * router's report, the outcome of a file write, the time) to a {@link Decision} (the status fields
 * to patch, the effects, when to look again). Every retry is scheduled here and kept in status, so
 * a reconcile started by anything (the operator's own write included) finds the same schedule and
 * costs nothing until it is due.
 */
public final class PhaseMachine {
  private final ProposalSettings settings;

  public PhaseMachine(ProposalSettings settings) {
    this.settings = settings;
  }

  public ProposalSettings settings() {
    return settings;
  }

  public Decision decide(Observation o) {
    if (o.spec() == null || o.spec().getSvcKey() == null) {
      return refused(o, Transitions.orphaned(o.generation(), o.now()), EventReason.Orphaned);
    }
    Optional<String> invalid = Names.problem(o.name(), o.spec());
    if (invalid.isPresent()) {
      return refused(
          o,
          Transitions.invalidSpec(invalid.get(), o.generation(), o.now()),
          EventReason.InvalidSpec);
    }
    return Transitions.withOpeningCount(o, decidePhase(o));
  }

  private Decision decidePhase(Observation o) {
    Phase phase = o.phase();
    // Not asked yet as far as status says: new (no phase), or Pending (written by older versions).
    boolean unasked = phase == null || phase == Phase.Pending;
    if (unasked && o.router() == RouterView.IDLE) {
      Optional<Decision> silenced = Outcomes.silenced(o);
      if (silenced.isPresent()) {
        return silenced.get(); // no model call, nothing written
      }
    }
    if ((unasked || isRecoverable(phase))
        && Outcomes.recovered(o.status(), o.spec().getObservedAt())) {
      RemediationProposalStatus s = Outcomes.resolved(o.status(), o.generation(), o.now());
      List<Effect> effects = new ArrayList<>();
      if (o.router() instanceof RouterView.Done) {
        effects.add(new Effect.Claim());
      }
      effects.add(new Effect.Event(EventReason.Recovered, s.getMessage()));
      Answers.recordUnused(
          o, s, settings); // an answer that came with the recovery: for the cooldown
      return new Decision(s, effects, null);
    }
    if ((unasked || phase == Phase.Proposing)
        && !o.now().isBefore(o.createdAt().plus(settings.approvalTtl()))) {
      // Unanswered for the whole approval TTL (the operator was down): a days-old event is not
      // acted on now.
      RemediationProposalStatus s =
          Transitions.unanswered(o.status(), settings.approvalTtl(), o.generation(), o.now());
      List<Effect> effects = new ArrayList<>();
      if (o.router() instanceof RouterView.Done) {
        effects.add(new Effect.Claim());
      }
      effects.add(new Effect.Event(EventReason.Expired, s.getMessage()));
      Answers.recordUnused(o, s, settings);
      return new Decision(s, effects, null);
    }
    if (unasked) {
      Decision d = Asking.decide(o, settings);
      // An early annotation is reported with a write that happens anyway, never with one of its
      // own.
      d = d.status() == null ? d : IgnoredApprovals.withWarning(o, d);
      return NotifiedCondition.apply(o, d);
    }
    Decision d =
        switch (phase) {
          case Pending -> throw new IllegalStateException("decided above");
          case Proposing -> proposing(o);
          case Failed -> failed(o);
          case AwaitingApproval -> awaitingApproval(o);
          case Approved -> approved(o);
          case Dispatched -> dispatched(o);
          case Ignored, Rejected, Expired, Resolved, Silenced -> retain(o);
        };
    d = phase == Phase.AwaitingApproval ? d : IgnoredApprovals.withWarning(o, d);
    return NotifiedCondition.apply(o, d); // Notified, from status.notification (notify/)
  }

  // --- phases ---

  private Decision proposing(Observation o) {
    RouterView r = o.router();
    if (r instanceof RouterView.Done done) {
      return Answers.answer(o, done.outcome(), settings);
    }
    if (r == RouterView.IDLE) {
      // The operator restarted while the model was being asked: ask again; the phase stays.
      return new Decision(null, List.of(new Effect.Ask()), null);
    }
    return Decision.nothing();
  }

  private Decision failed(Observation o) {
    Instant expiresAt = o.createdAt().plus(settings.approvalTtl());
    if (!o.now().isBefore(expiresAt)) {
      RemediationProposalStatus s =
          Transitions.unanswered(o.status(), settings.approvalTtl(), o.generation(), o.now());
      return Decision.of(s, new Effect.Event(EventReason.Expired, s.getMessage()));
    }
    if (o.router() instanceof RouterView.Done done) {
      return Answers.answer(o, done.outcome(), settings);
    }
    if (o.router() instanceof RouterView.Busy) {
      return Decision.nothing();
    }
    Instant due = Transitions.chainRetryAt(o.status(), settings.retryBase());
    if (o.now().isBefore(due)) {
      return Decision.recheck(Duration.between(o.now(), earliest(due, expiresAt)));
    }
    // A silence put on since (maintenance while the models were down): the retry asks nothing,
    // so no policy approval can write a restart in the middle of it.
    return Outcomes.silenced(o).orElseGet(() -> ask(o, EventReason.Retrying));
  }

  private Decision awaitingApproval(Observation o) {
    Instant now = o.now();
    RemediationProposalStatus current = o.status();
    Instant expiresAt =
        Expiry.of(current, settings.approvalTtl())
            .orElseGet(() -> answeredAt(o).plus(settings.approvalTtl()));
    if (!now.isBefore(expiresAt)) {
      // Decided first: an annotation read after the TTL (the operator was down) approves nothing,
      // and is reported as ignored in the same write. The wait it was given, not today's TTL.
      Duration waited = Expiry.waitOf(current).orElse(settings.approvalTtl());
      return IgnoredApprovals.withWarning(
          o,
          Decision.of(
              Transitions.expired(current, waited, o.generation(), now),
              new Effect.Event(
                  EventReason.Expired,
                  "No decision within "
                      + HumanDurations.format(waited)
                      + "; nothing is written.")));
    }
    Duration untilExpiry = Duration.between(now, expiresAt);
    Optional<Approvals.Decision> decision = Approvals.read(o.annotations());
    String stale = current.getStaleApproval();
    if (stale != null && !stale.isEmpty()) {
      if (decision.isEmpty()) {
        // Removed: the next annotation decides.
        return Decision.of(Transitions.staleApprovalCleared(current, o.generation()))
            .andRecheck(untilExpiry);
      }
      if (decision.get().value().equals(stale)) {
        return IgnoredApprovals.warnOnce(
                o, null, IgnoredApprovals.staleKey(stale), IgnoredApprovals.staleMessage(stale))
            .andRecheck(untilExpiry);
      }
    }
    if (decision.isEmpty()) {
      return Decision.recheck(untilExpiry);
    }
    Approvals.Decision d = decision.get();
    return switch (d.verdict()) {
      case APPROVED -> {
        if (SafetyPolicy.isIgnore(current.getProposal())) {
          // A person agreed to do nothing: closed, no files.
          RemediationProposalStatus s =
              Transitions.approvedToDoNothing(current, d.by(), o.generation(), now);
          yield Decision.of(s, new Effect.Event(EventReason.Approved, s.getMessage()));
        }
        // As for an answer approved at once: the files first, then one write of both.
        RemediationProposalStatus s = Transitions.approved(current, d.by(), o.generation(), now);
        yield o.dispatch().isEmpty()
            ? new Decision(s, List.of(new Effect.WriteFiles()), null)
            : Dispatching.withAnswer(
                o,
                s,
                List.of(new Effect.Event(EventReason.Approved, "Approved by " + d.by() + ".")));
      }
      case REJECTED ->
          Decision.of(
              Transitions.rejected(current, d.by(), o.generation(), now),
              new Effect.Event(
                  EventReason.Rejected, "Rejected by " + d.by() + "; nothing is written."));
      case UNKNOWN ->
          IgnoredApprovals.warnOnce(
                  o,
                  null,
                  d.value(),
                  "Annotation "
                      + Approvals.APPROVAL
                      + "="
                      + d.value()
                      + " is neither approved nor rejected; it changes nothing.")
              .andRecheck(untilExpiry);
    };
  }

  private Decision approved(Observation o) {
    RemediationProposalStatus current = o.status();
    Instant now = o.now();
    if (o.dispatch().isPresent()) {
      return Dispatching.of(o);
    }
    Integer attempts = current.getAttempts();
    if (attempts != null && attempts > 0 && current.getNextAttemptAt() != null) {
      Instant due = Instant.parse(current.getNextAttemptAt());
      if (now.isBefore(due)) {
        return Decision.recheck(Duration.between(now, due));
      }
    }
    return new Decision(null, List.of(new Effect.WriteFiles()), null);
  }

  private Decision retain(Observation o) {
    Instant deleteAt =
        Outcomes.keepUntil(
            Transitions.deleteAfter(
                o.status(), o.createdAt(), settings.retention(), settings.cooldown()),
            o.status(),
            settings.outcomeWindow(),
            settings.budgetWindow());
    if (o.router() instanceof RouterView.Done done) {
      // The model answered after the proposal closed (it recovered meanwhile): nothing is done
      // with the answer, but it is recorded, for the cooldown.
      return Answers.late(o, done.outcome(), settings);
    }
    if (o.now().isBefore(deleteAt)) {
      return Decision.recheck(Duration.between(o.now(), deleteAt));
    }
    return new Decision(null, List.of(new Effect.Delete()), null);
  }

  /** A dispatched action's outcome is watched for OUTCOME_WINDOW, then it is retained. */
  private Decision dispatched(Observation o) {
    Optional<dev.homelab.remediation.api.v1alpha1.OutcomeRecord> outcome =
        Outcomes.outcome(o.status(), o.siblings(), settings.outcomeWindow(), o.now());
    if (outcome.isPresent()) {
      RemediationProposalStatus s = new RemediationProposalStatus();
      s.setObservedGeneration(o.generation());
      s.setOutcome(outcome.get());
      return Decision.of(
          s,
          new Effect.Event(
              EventReason.Outcome,
              outcome.get().getResult() + ": " + outcome.get().getDetail() + "."));
    }
    Decision kept = retain(o);
    Optional<Instant> end = Outcomes.windowEnd(o.status(), settings.outcomeWindow());
    if (kept.recheckAfter() != null && end.isPresent() && o.now().isBefore(end.get())) {
      Duration untilEnd = Duration.between(o.now(), end.get());
      if (untilEnd.compareTo(kept.recheckAfter()) < 0) {
        return kept.andRecheck(untilEnd);
      }
    }
    return kept;
  }

  /**
   * A proposal the operator does not act on (no spec, or one the intake would not have written):
   * {@code next} once, with its warning Event, then deleted after the retention.
   */
  private Decision refused(Observation o, RemediationProposalStatus next, EventReason reason) {
    RemediationProposalStatus s = o.status();
    if (s == null || s.getCompletedAt() == null) {
      return Decision.of(next, new Effect.Event(reason, next.getMessage()))
          .andRecheck(settings.retention());
    }
    Instant deleteAt = Instant.parse(s.getCompletedAt()).plus(settings.retention());
    if (o.now().isBefore(deleteAt)) {
      return Decision.recheck(Duration.between(o.now(), deleteAt));
    }
    return new Decision(null, List.of(new Effect.Delete()), null);
  }

  /** Open phases a benign event closes (SPEC 11); Approved is past the point of no return. */
  private static boolean isRecoverable(Phase phase) {
    return phase == Phase.Pending
        || phase == Phase.Proposing
        || phase == Phase.AwaitingApproval
        || phase == Phase.Failed;
  }

  // --- steps shared by phases ---

  private Decision ask(Observation o, EventReason reason) {
    // Phase first: should the patch fail, nothing is queued and the retried reconcile asks again.
    RemediationProposalStatus s =
        Transitions.proposing(o.status(), settings.models(), o.generation(), o.now());
    return Decision.of(s, new Effect.Ask(), new Effect.Event(reason, s.getMessage()));
  }

  private static Instant answeredAt(Observation o) {
    ProposedAction a = o.status().getProposal();
    return a == null || a.getAnsweredAt() == null
        ? o.createdAt()
        : Instant.parse(a.getAnsweredAt());
  }

  private static Instant earliest(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
