package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A proposal the model was not asked for yet, as far as its status says: a new one (no phase), or
 * one in {@code Pending} (written by older versions). The model is asked without a status write;
 * phase {@code Proposing} is written only when the consultation is still running after {@link
 * ProposalSettings#proposingGrace()}, when a person could see it. A faster answer is the first
 * status write (see {@link Answers}).
 */
final class Asking {
  /**
   * How long after creation a status write waits for the intake's first one (occurrences,
   * firstSeen, lastSeen), which follows its create at once: written first, the intake's or the
   * reconciler's would be refused as stale (409) and cost one more request. The intake's write
   * starts a reconcile when it lands; this bound only matters for a proposal the intake never
   * writes (one applied by hand). creationTimestamp has whole seconds, so it waits 1 to 2 s at
   * most.
   */
  static final Duration INTAKE_WRITE_WAIT = Duration.ofSeconds(2);

  private static final Duration LOOK_AGAIN = Duration.ofMillis(200);

  private Asking() {}

  static Decision decide(Observation o, ProposalSettings settings) {
    RouterView r = o.router();
    if (r instanceof RouterView.Done done) {
      Optional<Decision> wait = awaitIntake(o);
      return wait.isPresent() ? wait.get() : Answers.answer(o, done.outcome(), settings);
    }
    if (r instanceof RouterView.Busy busy) {
      Duration left = settings.proposingGrace().minus(busy.elapsed());
      if (!left.isNegative() && !left.isZero()) {
        return Decision.recheck(left); // an answer inside the grace wakes the reconcile earlier
      }
      Optional<Decision> wait = awaitIntake(o);
      if (wait.isPresent()) {
        return wait.get();
      }
      // Still thinking after the grace: now it is worth telling.
      RemediationProposalStatus s =
          Transitions.proposing(o.status(), settings.models(), o.generation(), o.now());
      return Decision.of(s, new Effect.Event(EventReason.Proposing, s.getMessage()));
    }
    if (r != RouterView.IDLE) {
      return Decision.nothing(); // claimed: the answer is written, the cache lags behind
    }
    Optional<Cooldown.Consultation> blocking =
        Cooldown.blocking(
            o.consultations(), o.spec().getSvcKey(), o.name(), o.now(), settings.cooldown());
    if (blocking.isPresent()) {
      RemediationProposalStatus s =
          Transitions.suppressed(o.status(), blocking.get(), o.generation(), o.now());
      return Decision.of(s, new Effect.Event(EventReason.CooldownSuppressed, s.getMessage()));
    }
    // New, or the operator restarted before anything was written: ask, write nothing yet.
    return new Decision(null, List.of(new Effect.Ask()), settings.proposingGrace());
  }

  /** Nothing yet while the intake's first status write is not seen, for a short while. */
  private static Optional<Decision> awaitIntake(Observation o) {
    boolean seen = o.status() != null && o.status().getOccurrences() != null;
    Duration left = Duration.between(o.now(), o.createdAt().plus(INTAKE_WRITE_WAIT));
    if (seen || left.isNegative() || left.isZero()) {
      return Optional.empty();
    }
    return Optional.of(Decision.recheck(left.compareTo(LOOK_AGAIN) < 0 ? left : LOOK_AGAIN));
  }
}
