package dev.homelab.remediation.ingest;

import dev.homelab.remediation.decision.HealthEvent;
import dev.homelab.remediation.decision.IncidentRules;
import dev.homelab.remediation.util.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The intake's memory of the latest incident per svcKey: decides whether an actionable event opens
 * a proposal or folds into one, creates proposals, and writes folded occurrences at most once per
 * flush interval per proposal. Seeded and kept current from the cluster (through {@link #observe}
 * and {@link #forget}), so cooldown survives an operator restart.
 *
 * <p>firstSeen and lastSeen are the earliest and the latest time the incident's events were
 * observed (their own timestamps, so out of order and in the past is normal). The three fields only
 * ever move one way in the cluster: occurrences up, firstSeen earlier, lastSeen later. One write
 * per proposal is in flight at a time, and each write is conditional on the resourceVersion the
 * book last saw; when another writer (another instance, an older process still flushing) got there
 * first, the book reads the proposal, takes the larger count and the wider time span, and writes
 * again.
 */
public final class IncidentBook implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IncidentBook.class);

  private final BookLimits limits;
  private final Predicate<String> silenceActive; // by name: the controller's silence cache
  private final ProposalStore store;
  private final String namespace;
  private final Clock clock;
  private final Duration cooldown;
  private final Duration flushInterval;
  private final IntakeMetrics metrics;
  private final ScheduledThreadPoolExecutor scheduler;
  private final Creations creations;

  // Changed under "this"; read without it only by wouldFold.
  private final Map<String, Incident> bySvcKey = new ConcurrentHashMap<>();
  private final Set<Incident> dirty = new LinkedHashSet<>();
  private final Set<Incident> recoveries = new LinkedHashSet<>();
  private int creationsInFlight;

  /** Set when the lease is lost: nothing more is written, not even what is left to flush. */
  private volatile boolean aborted;

  public IncidentBook(
      ProposalStore store,
      String namespace,
      Clock clock,
      Duration cooldown,
      Duration flushInterval,
      IntakeMetrics metrics,
      BookLimits limits,
      Predicate<String> silenceActive) {
    this.limits = limits;
    this.silenceActive = silenceActive;
    this.store = store;
    this.namespace = namespace;
    this.clock = clock;
    this.cooldown = cooldown;
    this.flushInterval = flushInterval;
    this.metrics = metrics;
    this.scheduler = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("intake-flush"));
    this.creations = new Creations(this, store, namespace, metrics, limits.creators(), scheduler);
    // On close, a flush under way finishes; nothing scheduled runs any more.
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    scheduler.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
  }

  public void start() {
    long ms = flushInterval.toMillis();
    scheduler.scheduleWithFixedDelay(this::flushQuietly, ms, ms, TimeUnit.MILLISECONDS);
  }

  /**
   * IncidentRules.decide == FOLD, lock-free and allocation-free, for the reader's {@link Triage}.
   */
  public boolean wouldFold(String svcKey) {
    Incident inc = bySvcKey.get(svcKey);
    return inc != null && inc.wouldFold(clock.millis(), cooldown, silenceActive);
  }

  /** Folds the event into the latest incident of its svcKey, or opens a new one. */
  public void accept(HealthEvent e) {
    if (aborted) {
      return;
    }
    Incident inc;
    synchronized (this) {
      Instant now = clock.instant();
      if (foldLocked(e.svcKey(), e.eventType(), e, 1, e.seenAt(), e.seenAt(), now)) {
        return;
      }
      if (creationsInFlight >= BookLimits.MAX_OPENINGS) {
        metrics.shed(ShedReason.OPENINGS); // memory stays bounded; its next event opens it
        return;
      }
      inc = Incident.opening(e, bySvcKey.get(e.svcKey()), cooldown, now);
      bySvcKey.put(e.svcKey(), inc);
      creationsInFlight++;
    }
    creations.open(inc, e);
  }

  /** Not opened after all: the intake closed before its creation could start. */
  synchronized void notOpened(Incident inc) {
    bySvcKey.remove(inc.svcKey, inc);
    dirty.remove(inc);
    recoveries.remove(inc);
    creationsInFlight--;
    LOG.atInfo().addKeyValue("svcKey", inc.svcKey).log("intake closing; no proposal opened");
  }

  boolean aborted() {
    return aborted;
  }

  /**
   * Folds {@code count} actionable events of {@code svcKey} and {@code eventType} (null: of more
   * than one), observed from {@code earliest} to {@code latest}, into its incident if {@link
   * #accept} would fold them; false when it would open one (the caller then hands them on one by
   * one).
   */
  public boolean fold(
      String svcKey, String eventType, long count, Instant earliest, Instant latest) {
    if (aborted) {
      return true;
    }
    synchronized (this) {
      return foldLocked(svcKey, eventType, null, count, earliest, latest, clock.instant());
    }
  }

  /** Folds or holds (IncidentRules) the events; {@code e} the one event, or null for a count. */
  private boolean foldLocked(
      String svcKey,
      String eventType,
      HealthEvent e,
      long count,
      Instant earliest,
      Instant latest,
      Instant now) {
    Incident inc = bySvcKey.get(svcKey);
    if (inc != null && inc.held != null && !now.isBefore(inc.holdUntil)) {
      inc = releaseLocked(inc, false); // its window is over: opened, and the event folds into it
    }
    IncidentRules.Decision d =
        IncidentRules.decide(
            inc == null ? null : inc.asLatest(now.toEpochMilli(), silenceActive, eventType),
            now,
            cooldown);
    boolean wasHolding = inc != null && inc.held != null;
    if (d == IncidentRules.Decision.CREATE || !inc.take(d, e, count, earliest, latest)) {
      return false;
    }
    if (d == IncidentRules.Decision.FOLD) {
      dirty.add(inc);
    }
    // A held failure's first event is counted once its fate is known: opened, or recovered from.
    metrics.folded(!wasHolding && inc.held != null ? count - 1 : count);
    return true;
  }

  /** Opens the failures held past their window (all when {@code stopping}), with their counts. */
  private synchronized void openHeld(boolean stopping) {
    for (Incident inc : List.copyOf(bySvcKey.values())) {
      if (inc.held != null) {
        releaseLocked(inc, stopping);
      }
    }
  }

  /** Opens {@code inc}'s held failure when due (or {@code stopping}); the svcKey's incident now. */
  private Incident releaseLocked(Incident inc, boolean stopping) {
    if (!stopping && creationsInFlight >= BookLimits.MAX_OPENINGS) {
      return inc; // held on: the next flush or event opens it
    }
    Incident.Opening o = inc.releaseHeld(clock.instant(), cooldown, stopping);
    if (o == null) {
      return inc;
    }
    bySvcKey.put(inc.svcKey, o.incident());
    creationsInFlight++;
    creations.open(o.incident(), o.event());
    return bySvcKey.get(inc.svcKey); // null when the intake closed meanwhile (notOpened)
  }

  /** A failed creation of {@code inc}: how long until it is tried again. */
  synchronized Duration createFailed(Incident inc) {
    inc.failedCreates++;
    return limits.createRetryDelay(inc.failedCreates);
  }

  /** {@code inc}'s proposal is made (or was there already): takes it in, then writes its fields. */
  void created(Incident inc, ProposalStore.Creation creation) {
    synchronized (this) {
      creationsInFlight--;
      inc.created = true;
      ProposalView v = creation.proposal();
      if (!creation.created()) {
        inc.joined(v); // redelivered, created by another instance, or an old one of that name
      }
      inc.adopt(v);
      dirty.add(inc);
    }
    writeOne(inc);
  }

  /** Closing: a create that failed is not tried again; nothing waits for it any more. */
  synchronized void notRetried(Incident inc) {
    creationsInFlight--;
    LOG.atInfo()
        .addKeyValue("proposal", inc.name)
        .log("intake closing; the proposal is not retried");
  }

  /** Writes the occurrences of every incident that changed since its last write. */
  public void flush() {
    List<Incident> batch;
    synchronized (this) {
      batch = new ArrayList<>();
      for (Incident inc : dirty) {
        if (inc.created && !inc.writing) {
          batch.add(inc);
        }
      }
      evictStale();
    }
    for (Incident inc : batch) {
      writeOne(inc);
    }
    writeRecoveries();
    openHeld(false);
  }

  /** A benign event for a svcKey (SPEC 11): written as status.recoveredAt at the next flush. */
  public synchronized void recovered(String svcKey, Instant observedAt) {
    Incident inc = bySvcKey.get(svcKey);
    if (inc != null && !inc.gone) {
      metrics.folded(inc.recoveredFromHeld(observedAt) ? 1 : 0); // a held failure's first event
      inc.recoveredAt = Incident.latest(inc.recoveredAt, observedAt);
      if (inc.recoveryUnwritten()) {
        recoveries.add(inc);
      }
    }
  }

  private void writeRecoveries() {
    List<Incident> batch;
    synchronized (this) {
      batch = recoveries.stream().filter(i -> i.created && !i.gone && !aborted).toList();
      recoveries.removeAll(batch);
    }
    RecoveryWrites.write(
        batch, store, metrics, this, i -> forgetLocked(i.name, i.svcKey), recoveries::add);
  }

  /**
   * Writes one incident's fields, unless another thread is writing it (that writer queues what it
   * could not include for the next flush). The write is conditional on the version last seen;
   * refused, the proposal is read, merged (never a smaller count) and written again.
   */
  private void writeOne(Incident inc) {
    if (aborted) {
      return;
    }
    synchronized (this) {
      if (inc.writing || !dirty.remove(inc) || !inc.unwritten()) {
        return;
      }
      inc.writing = true;
    }
    try {
      OccurrenceWrites.write(inc, store, metrics, this, i -> forgetLocked(i.name, i.svcKey));
    } finally {
      synchronized (this) {
        inc.writing = false;
        if (!inc.gone && inc.unwritten()) {
          dirty.add(inc);
        }
      }
    }
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      LOG.warn("flush failed", e);
    }
  }

  /** Drops incidents that can no longer absorb events and have nothing left to write. */
  private void evictStale() {
    bySvcKey
        .values()
        .removeIf(
            inc ->
                !dirty.contains(inc)
                    && !recoveries.contains(inc)
                    && inc.stale(clock.instant(), cooldown, limits.outcomeWindow(), silenceActive));
  }

  /** A proposal seen in the cluster (initial list or a change). */
  public synchronized void observe(ProposalView v) {
    Incident inc = bySvcKey.get(v.svcKey());
    if (inc != null && inc.name.equals(v.name())) {
      inc.refresh(v);
      return;
    }
    if (inc != null && (!inc.created || !inc.followedBy(v))) {
      return;
    }
    if (inc != null && inc.held != null) {
      releaseLocked(inc, true); // a newer proposal of the svcKey: the held failure is not lost
    }
    Incident seeded = Incident.seeded(v);
    if (seeded.unwritten()) {
      dirty.add(seeded);
    }
    bySvcKey.put(v.svcKey(), seeded);
  }

  /** A proposal deleted from the cluster. */
  public synchronized void forget(String name, String svcKey) {
    forgetLocked(name, svcKey);
  }

  private void forgetLocked(String name, String svcKey) {
    Incident inc = bySvcKey.get(svcKey);
    if (inc != null && inc.name.equals(name) && inc.created) {
      inc.gone = true;
      bySvcKey.remove(svcKey);
      dirty.remove(inc);
      recoveries.remove(inc);
      if (inc.held != null) {
        releaseLocked(inc, true); // deleted while holding a failure: not lost with it
      }
    }
  }

  /** Number of incidents held in memory (bounded by the services that misbehave at once). */
  public synchronized int size() {
    return bySvcKey.size();
  }

  /** True when every event accepted so far has reached the cluster. */
  public synchronized boolean settled() {
    if (creationsInFlight > 0) {
      return false;
    }
    for (Incident inc : bySvcKey.values()) {
      if (inc.writing || inc.unwritten()) {
        return false;
      }
    }
    return dirty.isEmpty();
  }

  /** Stops taking work and writes what is left, waiting up to {@code timeout}. */
  @Override
  public void close() {
    close(limits.drainTimeout());
  }

  public void close(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    openHeld(true);
    creations.shutdown(deadline);
    // A flush under way finishes before the last one, so the two never write the same proposal.
    scheduler.shutdown();
    DaemonThreads.awaitUntil(scheduler, deadline);
    flushQuietly();
  }

  /**
   * Stops at once and writes nothing more, not even the folded counts left to flush: the lease is
   * lost, and the new leader reads the cluster and owns it from here.
   */
  public void abort() {
    aborted = true;
    bySvcKey.values().forEach(Incident::abandonHeld);
    creations.shutdownNow();
    scheduler.shutdownNow();
  }
}
