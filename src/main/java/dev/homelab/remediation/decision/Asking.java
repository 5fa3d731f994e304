package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import java.time.Duration;
import java.time.Instant;
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
  /** How often a proposal waiting for another's consultation looks again, if not woken. */
  static final Duration UNDER_WAY_RECHECK = Duration.ofSeconds(5);

  /** How long after a sibling's answer its status may still not show it here, looked at often. */
  static final Duration ANSWER_RECORDING = Duration.ofSeconds(30);

  /** The least a proposal waiting for the cooldown's end looks again after. */
  static final Duration MIN_WAIT = Duration.ofMillis(100);

  private Asking() {}

  /**
   * Whether the consultation's answer can be this proposal's: it is known, it was given for an
   * event of the same type (a notify-only rule of another type would carry over), and no other
   * proposal that took it has recovered already: a service flapping inside the window gets one
   * second proposal to approve, not one (and its notifications) per flap.
   */
  private static boolean reusable(Observation o, Cooldown.Consultation c) {
    if (c.answer() == null
        || (c.eventType() != null && !c.eventType().equals(o.spec().getEventType()))) {
      return false;
    }
    for (Sibling s : o.siblings()) {
      if (!s.name().equals(c.proposalName())
          && !s.name().equals(o.name())
          && c.answeredAt().equals(s.answeredAt())
          && s.phase() == Phase.Resolved) {
        return false;
      }
    }
    return true;
  }

  static Decision decide(Observation o, ProposalSettings settings) {
    RouterView r = o.router();
    if (r instanceof RouterView.Done done) {
      return Answers.answer(o, done.outcome(), settings);
    }
    if (r instanceof RouterView.Busy busy) {
      Duration left = settings.proposingGrace().minus(busy.elapsed());
      if (!left.isNegative() && !left.isZero()) {
        return Decision.recheck(left); // an answer inside the grace wakes the reconcile earlier
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
    if (blocking.isPresent() && reusable(o, blocking.get())) {
      // The svcKey was consulted inside the window (a sibling that recovered before any action):
      // its answer stands for this incident too, with the policy applied again, and no model call.
      return Answers.reused(o, blocking.get(), settings);
    }
    if (blocking.isPresent() && blocking.get().answer() == null) {
      // Known from the router, not yet from the sibling's status (the cache lags behind that
      // write): look again for the answer to reuse, often at first; until the window ends, when
      // this one asks. Nothing is written meanwhile.
      boolean soon = o.now().isBefore(blocking.get().answeredAt().plus(ANSWER_RECORDING));
      return Decision.recheck(soon ? UNDER_WAY_RECHECK.dividedBy(5) : UNDER_WAY_RECHECK);
    }
    if (blocking.isPresent()) {
      // Its answer was for another event type, or was reused already by one that recovered too
      // (a flap): one consultation per window, so this one waits for the window's end, shown as
      // Pending (once), folding its events meanwhile, and is then asked about.
      Instant asksAt = blocking.get().answeredAt().plus(settings.cooldown());
      Duration wait = Duration.between(o.now(), asksAt);
      wait = wait.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : wait;
      RemediationProposalStatus s =
          Transitions.coolingDown(o.status(), blocking.get(), asksAt, o.generation(), o.now());
      if (o.status() != null
          && o.status().getPhase() == Phase.Pending
          && s.getMessage().equals(o.status().getMessage())) {
        return Decision.recheck(wait); // said already
      }
      return Decision.of(s, new Effect.Event(EventReason.CoolingDown, s.getMessage()))
          .andRecheck(wait);
    }
    if (Cooldown.underWay(o.consultations(), o.spec().getSvcKey(), o.name()).isPresent()) {
      // A proposal of this svcKey that closed while its model was asked: its answer, once
      // recorded, blocks this one (or, if the chain failed, lets it ask). Its reconcile wakes
      // this one then; the recheck only covers a wake-up lost to a restart.
      return Decision.recheck(UNDER_WAY_RECHECK);
    }
    // New, or the operator restarted before anything was written: ask, write nothing yet.
    return new Decision(null, List.of(new Effect.Ask()), settings.proposingGrace());
  }
}
