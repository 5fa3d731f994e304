package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.DispatchRecord;
import dev.homelab.remediation.api.v1alpha1.OutcomeRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What happened after (or instead of) an action (SPEC 11), pure: recovery before any action, the
 * outcome of a dispatched action, the budget and the memory of actions that did not help.
 */
public final class Outcomes {
  public static final String RECOVERED = "Recovered";
  public static final String RECURRED = "Recurred";
  public static final String UNKNOWN = "Unknown";

  private Outcomes() {}

  /**
   * Whether a benign event for the svcKey arrived after the incident's latest actionable event: the
   * service recovered.
   */
  public static boolean recovered(RemediationProposalStatus s, String observedAt) {
    if (s == null || s.getRecoveredAt() == null) {
      return false;
    }
    String last = s.getLastSeen() != null ? s.getLastSeen() : observedAt;
    return last == null || Instant.parse(s.getRecoveredAt()).isAfter(Instant.parse(last));
  }

  /**
   * A new incident (or a Failed one whose retry is due) that an active RemediationSilence matches:
   * final phase Silenced, no model call, nothing written.
   */
  public static Optional<Decision> silenced(Observation o) {
    return silenced(o, false);
  }

  /**
   * As {@link #silenced(Observation)}; {@code asked}: the model was asked before the silence came
   * (its answer, kept for the cooldown, decides nothing).
   */
  public static Optional<Decision> silenced(Observation o, boolean asked) {
    Optional<String> by =
        Silences.matching(
            o.silences(),
            o.spec().getNode(),
            o.spec().getService(),
            o.spec().getEventType(),
            o.now());
    if (by.isEmpty()) {
      return Optional.empty();
    }
    String msg =
        "Silenced by RemediationSilence "
            + by.get()
            + (asked
                ? ", which came while the model was asked: nothing written."
                : ": no model call, nothing written.");
    RemediationProposalStatus s = new RemediationProposalStatus();
    s.setPhase(Phase.Silenced);
    s.setSilencedBy(by.get());
    s.setMessage(msg);
    s.setObservedGeneration(o.generation());
    s.setCompletedAt(o.now().toString());
    s.setConditions(
        Conditions.with(
            o.status() == null ? null : o.status().getConditions(),
            Transitions.PROPOSED,
            false,
            "Silenced",
            msg,
            o.generation(),
            o.now()));
    return Optional.of(Decision.of(s, new Effect.Event(EventReason.Silenced, msg)));
  }

  /** The open proposal's service recovered before any action: final, nothing written. */
  public static RemediationProposalStatus resolved(
      RemediationProposalStatus current, long generation, Instant now) {
    String msg =
        "Recovered before any action: a benign event at "
            + current.getRecoveredAt()
            + "; nothing is written.";
    RemediationProposalStatus s = new RemediationProposalStatus();
    s.setPhase(Phase.Resolved);
    s.setMessage(msg);
    s.setObservedGeneration(generation);
    s.setCompletedAt(now.toString());
    s.setConditions(
        Conditions.with(
            current.getConditions(),
            Transitions.APPROVED,
            false,
            "Recovered",
            msg,
            generation,
            now));
    return s;
  }

  /**
   * The outcome of a dispatched proposal at {@code now}, if one is due: Recurred when an actionable
   * event for the svcKey was observed within the window (folded into this proposal: its lastSeen is
   * inside the window; or a newer proposal opened inside it), Recovered when a benign one did,
   * Unknown once the window ended with neither. A Recovered outcome may still become Recurred until
   * the window ends.
   */
  public static Optional<OutcomeRecord> outcome(
      RemediationProposalStatus s, List<Sibling> siblings, Duration window, Instant now) {
    DispatchRecord d = s.getDispatch();
    if (d == null || d.getAt() == null) {
      return Optional.empty();
    }
    OutcomeRecord current = s.getOutcome();
    if (current != null && !RECOVERED.equals(current.getResult())) {
      return Optional.empty(); // Recurred and Unknown are final
    }
    Instant at = Instant.parse(d.getAt());
    Instant end = at.plus(window);
    boolean inWindow = now.isBefore(end);
    Optional<String> recurred = recurrence(s, d, siblings, at, end);
    if (recurred.isPresent()) {
      return Optional.of(record(RECURRED, now, recurred.get()));
    }
    if (current != null) {
      return Optional.empty(); // Recovered, and nothing recurred (yet)
    }
    if (s.getRecoveredAt() != null) {
      Instant r = Instant.parse(s.getRecoveredAt());
      if (!r.isBefore(at) && r.isBefore(end)) {
        return Optional.of(record(RECOVERED, now, "a benign event at " + r));
      }
    }
    if (!inWindow) {
      return Optional.of(
          record(
              UNKNOWN,
              now,
              "neither a benign nor an actionable event within " + HumanDurations.format(window)));
    }
    return Optional.empty();
  }

  private static Optional<String> recurrence(
      RemediationProposalStatus s,
      DispatchRecord d,
      List<Sibling> siblings,
      Instant at,
      Instant end) {
    // An event observed after the dispatch and folded into this proposal (events observed before
    // it but written a flush later do not count).
    if (s.getLastSeen() != null) {
      Instant last = Instant.parse(s.getLastSeen());
      if (last.isAfter(at) && last.isBefore(end)) {
        return Optional.of("an actionable event observed at " + last + " was folded into it");
      }
    }
    return siblings.stream()
        .filter(o -> o.createdAt().isAfter(at) && o.createdAt().isBefore(end))
        .min(Comparator.comparing(Sibling::createdAt))
        .map(o -> "proposal " + o.name() + " opened at " + o.createdAt());
  }

  /** When a dispatched proposal's outcome window ends. */
  public static Optional<Instant> windowEnd(RemediationProposalStatus s, Duration window) {
    DispatchRecord d = s.getDispatch();
    return d == null || d.getAt() == null
        ? Optional.empty()
        : Optional.of(Instant.parse(d.getAt()).plus(window));
  }

  private static OutcomeRecord record(String result, Instant at, String detail) {
    OutcomeRecord r = new OutcomeRecord();
    r.setResult(result);
    r.setAt(at.toString());
    r.setDetail(detail);
    return r;
  }

  /**
   * The budget and the memory of actions that did not help, from the svcKey's proposals: the
   * policy-approved dispatches inside the budget window, and whether the latest dispatch recurred —
   * recorded as Recurred, or recurring now, since this proposal opened inside its outcome window.
   */
  public static SafetyPolicy.History history(
      List<Sibling> siblings,
      Instant selfCreatedAt,
      Instant now,
      int budgetCount,
      Duration budgetWindow,
      Duration outcomeWindow) {
    Instant since = now.minus(budgetWindow);
    long byPolicy =
        siblings.stream()
            .filter(o -> o.dispatchedAt() != null && o.dispatchedAt().isAfter(since))
            .filter(o -> "policy".equals(o.approvedBy()))
            .count();
    boolean recurred =
        siblings.stream()
            .filter(o -> o.dispatchedAt() != null && o.dispatchedAt().isAfter(since))
            .max(Comparator.comparing(Sibling::dispatchedAt))
            .map(
                o ->
                    RECURRED.equals(o.outcome())
                        || (selfCreatedAt.isAfter(o.dispatchedAt())
                            && selfCreatedAt.isBefore(o.dispatchedAt().plus(outcomeWindow))
                            && !UNKNOWN.equals(o.outcome())))
            .orElse(false);
    return new SafetyPolicy.History(byPolicy >= budgetCount, recurred);
  }

  /**
   * The svcKey's recent actions for the model's user message, newest first: what was done, when,
   * and whether it helped.
   */
  public static List<String> recent(List<Sibling> siblings, Instant now, Duration window, int max) {
    Instant since = now.minus(window);
    List<String> out = new ArrayList<>();
    siblings.stream()
        .filter(o -> o.dispatchedAt() != null && o.dispatchedAt().isAfter(since))
        .sorted(Comparator.comparing(Sibling::dispatchedAt).reversed())
        .limit(max)
        .forEach(
            o ->
                out.add(
                    o.action()
                        + " at "
                        + o.dispatchedAt()
                        + ": "
                        + (o.outcome() == null ? "outcome not known yet" : o.outcome())));
    return out;
  }

  /**
   * A final proposal is kept while its outcome is watched and while the budget counts its dispatch.
   */
  public static Instant keepUntil(
      Instant deleteAt,
      RemediationProposalStatus s,
      Duration outcomeWindow,
      Duration budgetWindow) {
    Optional<Instant> dispatched =
        Optional.ofNullable(s.getDispatch()).map(DispatchRecord::getAt).map(Instant::parse);
    if (dispatched.isEmpty()) {
      return deleteAt;
    }
    Duration longer = outcomeWindow.compareTo(budgetWindow) > 0 ? outcomeWindow : budgetWindow;
    Instant keep = dispatched.get().plus(longer);
    return keep.isAfter(deleteAt) ? keep : deleteAt;
  }
}
