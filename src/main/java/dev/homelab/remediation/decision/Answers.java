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
 * The model router's result applied to a proposal, whatever phase its status shows (none, {@code
 * Pending}, {@code Proposing} or {@code Failed}): everything the skipped intermediate writes would
 * have said is computed here, so one status write records it. An answer approved at once (by policy
 * or for the executor) is decided twice in one reconcile: first it asks for the files ({@link
 * Effect.WriteFiles}), then, with their outcome, it is one write of the answer, the approval and
 * the dispatch (or the dispatch's retry schedule).
 */
final class Answers {
  private Answers() {}

  static Decision answer(Observation o, ModelOutcome outcome, ProposalSettings settings) {
    if (outcome instanceof ModelOutcome.Answered) {
      // A silence put on while the model was asked (the maintenance began meanwhile): no policy
      // approval writes a restart in the middle of it; the answer is kept for the cooldown.
      Optional<Decision> silenced = Outcomes.silenced(o, true);
      if (silenced.isPresent()) {
        RemediationProposalStatus s = silenced.get().status();
        recordUnused(o, s, settings);
        List<Effect> effects = new ArrayList<>(silenced.get().effects());
        effects.add(0, new Effect.Claim());
        return new Decision(s, effects, null);
      }
    }
    return answer(o, outcome, settings, answeredAt(o, o.now()), null);
  }

  /**
   * A new proposal of a svcKey consulted inside the cooldown window (SPEC 5: one consultation per
   * svcKey per window), e.g. a failure again soon after its proposal was Resolved: the answer that
   * consultation gave is this proposal's, with the safety policy applied again (a budget spent
   * meanwhile, or a recurrence, still asks a human), dated when it was given so the window does not
   * move. Nothing is asked, and there is no router result to claim.
   */
  static Decision reused(Observation o, Cooldown.Consultation by, ProposalSettings settings) {
    ProposedAction was = by.answer();
    SafetyPolicy.Answer answer =
        new SafetyPolicy.Answer(
            was.getAction(),
            was.getReason(),
            was.getConfidence() == null ? 0 : was.getConfidence(),
            !Boolean.FALSE.equals(was.getRequiresHuman()),
            was.getTarget(),
            was.getModel());
    Decision d =
        answer(o, new ModelOutcome.Answered(answer, List.of()), settings, by.answeredAt(), by);
    List<Effect> effects = new ArrayList<>(d.effects());
    effects.removeIf(e -> e instanceof Effect.Claim);
    return new Decision(d.status(), effects, d.recheckAfter());
  }

  private static Decision answer(
      Observation o,
      ModelOutcome outcome,
      ProposalSettings settings,
      Instant answeredAt,
      Cooldown.Consultation reusedFrom) {
    Instant now = o.now();
    if (outcome instanceof ModelOutcome.Failed f) {
      // attempts counts from what status holds: no intermediate write ever reset it.
      RemediationProposalStatus s =
          Transitions.failed(
              o.status(), f.failures(), o.occurrences(), settings.retryBase(), o.generation(), now);
      Instant next = Instant.parse(s.getNextAttemptAt());
      return Decision.of(
              s,
              new Effect.Claim(),
              new Effect.Event(
                  EventReason.ChainFailed,
                  s.getMessage()
                      + (s.getMessage().endsWith(".") ? "" : ".")
                      + " Retrying at "
                      + next
                      + ", earlier on a new event."))
          .andRecheck(Duration.between(now, next));
    }
    ModelOutcome.Answered a = (ModelOutcome.Answered) outcome;
    ProposedAction proposal = proposal(o, a, settings, answeredAt);
    if (reusedFrom != null && reusedFrom.answer().getPolicyRules() != null) {
      // Why the reused answer already needed a human (the rules fire only on a model's "no").
      List<String> rules = new ArrayList<>(proposal.getPolicyRules());
      reusedFrom.answer().getPolicyRules().stream()
          .filter(r -> !rules.contains(r))
          .forEach(rules::add);
      proposal.setPolicyRules(rules);
    }
    Phase next = SafetyPolicy.phaseFor(proposal);
    boolean byExecutor = next == Phase.AwaitingApproval && settings.executorApproval();
    if (byExecutor && SafetyPolicy.isIgnore(proposal)) {
      // The executor runs its own approval of actions; doing nothing gives it none to ask about.
      next = Phase.Ignored;
      byExecutor = false;
    } else if (byExecutor) {
      next = Phase.Approved;
    }
    RemediationProposalStatus s =
        Transitions.proposed(
            o.status(), proposal, next, byExecutor ? "executor" : "policy", o.generation(), now);
    if (reusedFrom != null) {
      s.setMessage(
          s.getMessage()
              + " The answer given at "
              + reusedFrom.answeredAt()
              + " for "
              + reusedFrom.proposalName()
              + ", reused: one model consultation per svcKey per cooldown window.");
    }
    if (next == Phase.AwaitingApproval) {
      // Fixed now, as the notifications and the links announce it (Expiry).
      s.setExpiresAt(
          Instant.parse(proposal.getAnsweredAt()).plus(settings.approvalTtl()).toString());
    }
    Optional<Approvals.Decision> early = Approvals.read(o.annotations());
    if (next == Phase.AwaitingApproval && early.isPresent()) {
      // Set before anyone could see the proposal: it decides nothing (SPEC 6).
      s.setStaleApproval(early.get().value());
    }
    List<Effect> effects = new ArrayList<>();
    effects.add(new Effect.Claim());
    // Waiting for a person, the instruction is the AwaitingApproval Event's, not said twice.
    effects.add(
        new Effect.Event(
            EventReason.Proposed,
            next == Phase.AwaitingApproval
                ? s.getMessage()
                : s.getMessage() + " " + describe(next, byExecutor, o.name())));
    if (next == Phase.Approved) {
      if (o.dispatch().isEmpty()) {
        // Write the files for this status first; the decision with their outcome is the write.
        return new Decision(s, List.of(new Effect.WriteFiles()), null);
      }
      return Dispatching.withAnswer(o, s, effects);
    }
    if (next == Phase.AwaitingApproval) {
      effects.add(new Effect.Event(EventReason.AwaitingApproval, describe(next, false, o.name())));
      if (s.getStaleApproval() != null) {
        // Warned in the same write (once: the key is remembered).
        String key = IgnoredApprovals.staleKey(s.getStaleApproval());
        if (o.status() == null || !key.equals(o.status().getIgnoredApproval())) {
          s.setIgnoredApproval(key);
          effects.add(
              new Effect.Event(
                  EventReason.ApprovalIgnored,
                  IgnoredApprovals.staleMessage(s.getStaleApproval())));
        }
      }
      // Look again at expiry: from the answer's time, which a reused answer has from before now.
      return new Decision(s, effects, Duration.between(o.now(), Instant.parse(s.getExpiresAt())));
    }
    return new Decision(s, effects, null);
  }

  /** The model's answer with the safety policy applied, as status.proposal records it. */
  static ProposedAction proposal(
      Observation o, ModelOutcome.Answered a, ProposalSettings settings) {
    return proposal(o, a, settings, answeredAt(o, o.now()));
  }

  private static ProposedAction proposal(
      Observation o, ModelOutcome.Answered a, ProposalSettings settings, Instant answeredAt) {
    Instant now = o.now();
    ProposedAction proposal =
        SafetyPolicy.apply(
            a.answer(),
            new SafetyPolicy.Subject(
                o.spec().getNode(), o.spec().getEventType(), o.spec().getSvcKey()),
            settings.policy(),
            Outcomes.history(
                o.siblings(),
                o.createdAt(),
                now,
                settings.budgetCount(),
                settings.budgetWindow(),
                settings.outcomeWindow()));
    proposal.setAnsweredAt(answeredAt.toString());
    proposal.setFailedModels(a.failures().isEmpty() ? null : a.failures());
    return proposal;
  }

  /**
   * An answer that arrived after its proposal closed without one (it recovered while the model was
   * thinking): recorded in status.proposal, the phase and the files untouched, so that this
   * consultation counts for the svcKey's cooldown like any other (SPEC 5: one per window). A failed
   * chain is not a consultation and is only claimed.
   */
  static Decision late(Observation o, ModelOutcome outcome, ProposalSettings settings) {
    if (!(outcome instanceof ModelOutcome.Answered a)
        || (o.status() != null && o.status().getProposal() != null)) {
      return new Decision(null, List.of(new Effect.Claim()), Duration.ZERO);
    }
    RemediationProposalStatus s = new RemediationProposalStatus();
    s.setPhase(o.phase());
    s.setObservedGeneration(o.generation());
    record(o, s, a, settings);
    return new Decision(s, List.of(new Effect.Claim()), Duration.ZERO);
  }

  /**
   * Puts an answer that decides nothing (its proposal closed) into {@code s}, the status about to
   * be written: {@code status.proposal}, so the consultation counts for the cooldown, and a message
   * saying that nothing is done with it. No-op for a failed chain or an answer recorded.
   */
  static void recordUnused(Observation o, RemediationProposalStatus s, ProposalSettings settings) {
    if (o.router() instanceof RouterView.Done done
        && done.outcome() instanceof ModelOutcome.Answered a
        && (o.status() == null || o.status().getProposal() == null)) {
      record(o, s, a, settings);
    }
  }

  private static void record(
      Observation o,
      RemediationProposalStatus s,
      ModelOutcome.Answered a,
      ProposalSettings settings) {
    ProposedAction p = proposal(o, a, settings);
    s.setProposal(p);
    String said =
        s.getMessage() != null
            ? s.getMessage()
            : o.status() == null ? null : o.status().getMessage();
    s.setMessage(
        (said == null ? "" : said + " ")
            + "The model answered ("
            + p.getAction()
            + ") after that; nothing is done with it.");
  }

  /**
   * When the model answered, as the router saw it: the same in every reconcile that decides this
   * answer (a retry after a refused write rewrites the pending action with the same created_at).
   */
  private static Instant answeredAt(Observation o, Instant now) {
    return o.router() instanceof RouterView.Done d && d.at() != null ? d.at() : now;
  }

  private static String describe(Phase phase, boolean byExecutor, String name) {
    if (byExecutor) {
      return "APPROVAL_MODE=executor: approved for the executor, which asks a human.";
    }
    return switch (phase) {
      case Approved -> "Approved by policy: no human approval required.";
      case AwaitingApproval ->
          "Waiting for approval: kubectl annotate rp "
              + name
              + " remediation.homelab.dev/approval=approved (or =rejected).";
      default -> "The proposal is to do nothing.";
    };
  }
}
