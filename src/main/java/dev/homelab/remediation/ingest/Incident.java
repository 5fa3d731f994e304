package dev.homelab.remediation.ingest;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.decision.HealthEvent;
import dev.homelab.remediation.decision.IncidentRules;
import dev.homelab.remediation.decision.Names;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * One incident: one proposal, what the intake has counted for it and what the cluster holds.
 * Guarded by the {@link IncidentBook}; the three fields that decide folding are volatile, for
 * {@link IncidentBook#wouldFold} on the Redis reader thread.
 */
final class Incident {
  final String name;
  final String svcKey;
  final Instant createdAt;

  /** Written on the proposal this incident creates, to know it again (see ProposalFactory). */
  final String createToken =
      Long.toHexString(
          java.util.concurrent.ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);

  /** Start of the cooldown window: the model's answer once there is one, else creation. */
  volatile Instant windowStart;

  volatile boolean open = true;

  /** Its service recovered before any action (phase Resolved): it absorbs no more events. */
  volatile boolean resolved;

  /** The silence that made it Silenced, if any: once that silence is over it absorbs no more. */
  volatile String silencedBy;

  /** The type of the event that opened it (null when not known, for a resource without spec). */
  volatile String eventType;

  /**
   * Set when it was opened after a Resolved incident inside that one's window (a service flapping
   * faster than the window): the end of its own window, until which a failure after it resolved too
   * is held ({@link IncidentRules.Decision#HOLD}) rather than opened.
   */
  Instant holdUntil;

  /** A failure held since it resolved: the first event whole, how many, and when. */
  HealthEvent held;

  long heldCount;
  Instant heldFirst;
  Instant heldLast;

  private volatile boolean silenceOver;
  private volatile long silenceCheckedMillis = Long.MIN_VALUE / 2; // no overflow on subtracting

  boolean created;

  /** The proposal was deleted: nothing more is written. */
  boolean gone;

  /** A write is on its way; no other thread writes this incident meanwhile. */
  boolean writing;

  int failedCreates;

  /** What the intake counted. */
  long occurrences;

  Instant firstSeen;
  Instant lastSeen;

  /** When its files were written (a dispatched incident's outcome is watched for a while). */
  Instant dispatchedAt;

  /** The latest benign event for the svcKey, and what the cluster holds of it. */
  Instant recoveredAt;

  Instant clusterRecoveredAt;

  /** What the cluster holds at {@link #version}, as far as the book knows. */
  String version;

  Long clusterOccurrences;
  Instant clusterFirstSeen;
  Instant clusterLastSeen;

  Incident(String name, String svcKey, Instant createdAt) {
    this.name = name;
    this.svcKey = svcKey;
    this.createdAt = createdAt;
    this.windowStart = createdAt;
  }

  boolean unwritten() {
    return clusterOccurrences == null
        || clusterOccurrences.longValue() != occurrences
        || !firstSeen.equals(clusterFirstSeen)
        || !lastSeen.equals(clusterLastSeen);
  }

  void seen(Instant observedAt) {
    firstSeen = earliest(firstSeen, observedAt);
    lastSeen = latest(lastSeen, observedAt);
  }

  /**
   * Takes in the proposal as the cluster holds it: a larger count, an earlier firstSeen, a later
   * lastSeen win; the opening event's own time counts as seen.
   */
  void adopt(ProposalView v) {
    version = v.resourceVersion();
    dispatchedAt = v.dispatchedAt();
    clusterRecoveredAt = latest(clusterRecoveredAt, v.recoveredAt());
    recoveredAt = latest(recoveredAt, v.recoveredAt());
    clusterOccurrences = v.occurrences();
    clusterFirstSeen = v.firstSeen();
    clusterLastSeen = v.lastSeen();
    if (v.occurrences() != null && v.occurrences() > occurrences) {
      occurrences = v.occurrences();
    }
    // An earlier version wrote firstSeen as receipt time, possibly after lastSeen: take the
    // earliest of all.
    firstSeen =
        earliest(earliest(firstSeen, v.firstSeen()), earliest(v.lastSeen(), v.observedAt()));
    lastSeen = latest(lastSeen, latest(v.lastSeen(), v.observedAt()));
    if (firstSeen == null) {
      firstSeen = v.createdAt();
    }
    if (lastSeen == null) {
      lastSeen = firstSeen;
    }
  }

  /** Whether {@code v} has the intake's fields as the book last knew the cluster to hold them. */
  boolean holdsSameFieldsAs(ProposalView v) {
    return Objects.equals(v.occurrences(), clusterOccurrences)
        && Objects.equals(v.firstSeen(), clusterFirstSeen)
        && Objects.equals(v.lastSeen(), clusterLastSeen);
  }

  /** The cluster now holds what was just written, at {@code newVersion}. */
  void written(String newVersion, long n, Instant first, Instant last) {
    version = newVersion;
    clusterOccurrences = n;
    clusterFirstSeen = first;
    clusterLastSeen = last;
  }

  /**
   * The incident {@code e} opens after {@code last}, the latest of its svcKey (null: none known),
   * named for both ({@link Names#proposalName(HealthEvent, Duration, String)}).
   */
  static Incident opening(HealthEvent e, Incident last, Duration cooldown, Instant now) {
    String name = Names.proposalName(e, cooldown, last == null ? null : last.name);
    Incident inc = new Incident(name, e.svcKey(), now);
    inc.eventType = e.eventType();
    inc.occurrences = 1;
    inc.seen(e.seenAt());
    if (last != null && last.resolved && now.isBefore(last.windowStart.plus(cooldown))) {
      inc.holdUntil = now.plus(cooldown);
    }
    return inc;
  }

  /**
   * Takes in {@code count} events of the svcKey from {@code earliest} to {@code latest} as {@code
   * d} says: counted into it (FOLD), or into the failure it holds (HOLD). False when a failure is
   * to be held but none is yet and {@code e} is null: the first must come whole, as it makes the
   * proposal.
   */
  boolean take(
      IncidentRules.Decision d, HealthEvent e, long count, Instant earliest, Instant latest) {
    if (d == IncidentRules.Decision.FOLD) {
      occurrences += count;
      seen(earliest);
      seen(latest);
      return true;
    }
    if (held == null) {
      if (recoveredAt != null && !recoveredAt.isBefore(latest)) {
        return true; // taken after a recovery observed later (another worker's): over already
      }
      if (e == null) {
        return false;
      }
      held = e;
    }
    heldCount += count;
    heldFirst = earliest(heldFirst, earliest);
    heldLast = latest(heldLast, latest);
    return true;
  }

  /** A recovery observed at {@code at}: a failure held from before it is over (true: it was). */
  boolean recoveredFromHeld(Instant at) {
    if (held == null || at.isBefore(heldLast)) {
      return false;
    }
    held = null;
    heldCount = 0;
    heldFirst = null;
    heldLast = null;
    return true;
  }

  /** The lease is lost: a held failure is not opened here (the svcKey's next event opens it). */
  void abandonHeld() {
    if (held != null) {
      org.slf4j.LoggerFactory.getLogger(Incident.class)
          .atWarn()
          .addKeyValue("svcKey", svcKey)
          .log("lease lost: a held failure is not opened; the next event of the svcKey opens it");
    }
  }

  /** An incident to open, with the event that opens it. */
  record Opening(Incident incident, HealthEvent event) {}

  /**
   * The incident its held failure opens, once {@link #holdUntil} has come (or at once when the
   * intake is {@code stopping}, so that a restart does not lose it); else null. It carries the held
   * events' count and times.
   */
  Opening releaseHeld(Instant now, Duration cooldown, boolean stopping) {
    if (held == null || (!stopping && now.isBefore(holdUntil))) {
      return null;
    }
    Incident next = opening(held, this, cooldown, now);
    next.occurrences = heldCount;
    next.firstSeen = heldFirst;
    next.lastSeen = heldLast;
    Opening o = new Opening(next, held);
    recoveredFromHeld(heldLast);
    return o;
  }

  /** An incident for a proposal found in the cluster (at start-up, or made by another instance). */
  static Incident seeded(ProposalView v) {
    Incident seeded = new Incident(v.name(), v.svcKey(), v.createdAt());
    seeded.windowStart = v.windowStart();
    seeded.created = true;
    seeded.open = v.open();
    seeded.resolved = v.phase() == Phase.Resolved;
    seeded.silencedBy = v.phase() == Phase.Silenced ? v.silencedBy() : null;
    seeded.eventType = v.eventType();
    seeded.occurrences = v.occurrences() == null ? 1 : v.occurrences();
    seeded.adopt(v);
    return seeded;
  }

  /**
   * Its create found the proposal there already: counts go into it, and its window and state are
   * the proposal's, as for one seen at start ({@link #seeded}). An old closed proposal of the same
   * name (an event re-sent with its old timestamp) thus takes in that event, not this svcKey's
   * events of a whole new window.
   */
  void joined(ProposalView v) {
    occurrences += v.occurrences() == null ? 0 : v.occurrences();
    open = v.open();
    windowStart = v.windowStart();
    resolved = v.phase() == Phase.Resolved;
    silencedBy = v.phase() == Phase.Silenced ? v.silencedBy() : null;
    eventType = v.eventType();
  }

  /** Its proposal changed in the cluster (a phase, an answer, a dispatch, a write of ours). */
  void refresh(ProposalView v) {
    open = v.open();
    resolved = v.phase() == Phase.Resolved;
    silencedBy = v.phase() == Phase.Silenced ? v.silencedBy() : null;
    dispatchedAt = v.dispatchedAt();
    clusterRecoveredAt = latest(clusterRecoveredAt, v.recoveredAt());
    if (v.windowStart().isAfter(windowStart)) {
      windowStart = v.windowStart();
    }
    if (!writing && v.resourceVersion() != null && holdsSameFieldsAs(v)) {
      // Someone else (the reconciler) changed other fields: write on top of that version
      // instead of being refused. Should it be stale after all, the write is refused, no more.
      version = v.resourceVersion();
    }
  }

  /**
   * True when no more events fold into it: its service recovered, or the silence that silenced it
   * ended (expired early, deleted); a new event is then a new incident, which the model is asked
   * about. {@code silenceActive} is asked at most once a second, as events of a silenced svcKey can
   * come by the thousand; lock-free (the reader's triage calls it).
   */
  boolean closedToEvents(long nowMillis, Predicate<String> silenceActive) {
    String silence = silencedBy;
    if (resolved) {
      return true;
    }
    if (silence == null) {
      return false;
    }
    if (!silenceOver && nowMillis - silenceCheckedMillis >= 1000) {
      silenceCheckedMillis = nowMillis;
      silenceOver = !silenceActive.test(silence);
    }
    return silenceOver;
  }

  /**
   * What {@link IncidentRules} needs of it, for events of type {@code type} (null: of more than one
   * type, or not known). A proposal Silenced by a silence that is still on takes in the events of
   * its own incident (its svcKey and event type) as an open one does, past its cooldown window too:
   * a service failing through a week's silence is one Silenced proposal, not one per window (or per
   * event). Another type past the window is another incident, which the silence may not match (one
   * of {@code --event-type} only): a proposal of its own, asked about unless it is silenced too.
   */
  IncidentRules.Latest asLatest(long nowMillis, Predicate<String> silenceActive, String type) {
    boolean closed = closedToEvents(nowMillis, silenceActive);
    boolean absorbing = open || (silencedBy != null && type != null && type.equals(eventType));
    // Held only after a recovery: a silence ended early lets the next failure open at once.
    return new IncidentRules.Latest(
        name, windowStart, !closed && absorbing, closed, resolved ? holdUntil : null);
  }

  /** IncidentBook#wouldFold for this, the latest incident of its svcKey; lock-free. */
  boolean wouldFold(long nowMillis, Duration cooldown, Predicate<String> silenceActive) {
    if (closedToEvents(nowMillis, silenceActive)) {
      return false;
    }
    return absorbing() || nowMillis < windowStart.toEpochMilli() + cooldown.toMillis();
  }

  /**
   * Open, or Silenced (whether its silence is still on is {@link #closedToEvents}'s to say). For
   * the reader's triage, which ranks by svcKey alone: under overload, an event of another type for
   * a Silenced svcKey is ranked with its repeats.
   */
  boolean absorbing() {
    return open || silencedBy != null;
  }

  /**
   * Closed, past its cooldown window and (once dispatched) its outcome window, not Silenced by a
   * silence still on, no write on its way: nothing more folds into it or is watched for it, so the
   * book can drop it.
   */
  boolean stale(
      Instant now, Duration cooldown, Duration outcomeWindow, Predicate<String> silenceActive) {
    return created
        && held == null
        && !open
        && (silencedBy == null || closedToEvents(now.toEpochMilli(), silenceActive))
        && !writing
        && !now.isBefore(windowStart.plus(cooldown))
        && (dispatchedAt == null || !now.isBefore(dispatchedAt.plus(outcomeWindow)));
  }

  /**
   * Whether {@code v}, another proposal of the svcKey, came after this one: created later, or in
   * the same second (creation times are whole seconds) and open while this one is closed.
   */
  boolean followedBy(ProposalView v) {
    return v.createdAt().isAfter(createdAt)
        || (v.createdAt().equals(createdAt) && v.open() && !open);
  }

  /** A benign event for the svcKey not yet written to the cluster. */
  boolean recoveryUnwritten() {
    return recoveredAt != null
        && (clusterRecoveredAt == null || recoveredAt.isAfter(clusterRecoveredAt));
  }

  static Instant earliest(Instant a, Instant b) {
    return a == null ? b : b == null || !b.isBefore(a) ? a : b;
  }

  static Instant latest(Instant a, Instant b) {
    return a == null ? b : b == null || !b.isAfter(a) ? a : b;
  }
}
