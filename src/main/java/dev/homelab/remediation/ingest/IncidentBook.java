package dev.homelab.remediation.ingest;

import dev.homelab.remediation.DaemonThreads;
import dev.homelab.remediation.decision.HealthEvent;
import dev.homelab.remediation.decision.IncidentRules;
import dev.homelab.remediation.decision.Names;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The intake's memory of the latest incident per svcKey: decides whether an actionable event opens
 * a proposal or folds into one, creates proposals, and writes folded occurrences at most once per
 * flush interval per proposal. Seeded and kept current from the cluster (through {@link #observe}
 * and {@link #forget}), so cooldown survives an operator restart.
 */
public final class IncidentBook implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IncidentBook.class);
  private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(30);

  private final ProposalStore store;
  private final String namespace;
  private final Clock clock;
  private final Duration cooldown;
  private final Duration flushInterval;
  private final IntakeMetrics metrics;
  private final ExecutorService creators;
  private final ScheduledExecutorService scheduler;

  // Guarded by "this".
  private final Map<String, Incident> bySvcKey = new HashMap<>();
  private final Set<Incident> dirty = new LinkedHashSet<>();
  private int creationsInFlight;

  /** Set when the lease is lost: nothing more is written, not even what is left to flush. */
  private volatile boolean aborted;

  /** One incident: one proposal, and what the intake has counted for it. */
  static final class Incident {
    final String name;
    final String svcKey;
    final Instant createdAt;

    /** Start of the cooldown window: the model's answer once there is one, else creation. */
    Instant windowStart;

    boolean open = true;
    boolean created;
    long occurrences;
    long persistedOccurrences;
    Instant firstSeen;
    Instant lastSeen;
    Instant persistedLastSeen;
    int failedCreates;

    Incident(String name, String svcKey, Instant createdAt) {
      this.name = name;
      this.svcKey = svcKey;
      this.createdAt = createdAt;
      this.windowStart = createdAt;
    }

    boolean unwritten() {
      return occurrences != persistedOccurrences || !lastSeen.equals(persistedLastSeen);
    }
  }

  public IncidentBook(
      ProposalStore store,
      String namespace,
      Clock clock,
      Duration cooldown,
      Duration flushInterval,
      IntakeMetrics metrics) {
    this.store = store;
    this.namespace = namespace;
    this.clock = clock;
    this.cooldown = cooldown;
    this.flushInterval = flushInterval;
    this.metrics = metrics;
    this.creators = Executors.newFixedThreadPool(4, DaemonThreads.named("intake-create"));
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("intake-flush"));
  }

  public void start() {
    long ms = flushInterval.toMillis();
    scheduler.scheduleWithFixedDelay(this::flushQuietly, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Folds the event into the latest incident of its svcKey, or opens a new one. */
  public void accept(HealthEvent e) {
    if (aborted) {
      return;
    }
    Incident toCreate;
    synchronized (this) {
      Instant now = clock.instant();
      Incident inc = bySvcKey.get(e.svcKey());
      IncidentRules.Latest latest =
          inc == null ? null : new IncidentRules.Latest(inc.name, inc.windowStart, inc.open);
      if (IncidentRules.decide(latest, now, cooldown) == IncidentRules.Decision.FOLD) {
        inc.occurrences++;
        if (e.observedAt().isAfter(inc.lastSeen)) {
          inc.lastSeen = e.observedAt();
        }
        dirty.add(inc);
        metrics.folded();
        return;
      }
      toCreate = new Incident(Names.proposalName(e), e.svcKey(), now);
      toCreate.occurrences = 1;
      toCreate.firstSeen = e.receivedAt();
      toCreate.lastSeen = e.observedAt();
      bySvcKey.put(e.svcKey(), toCreate);
      creationsInFlight++;
    }
    Incident inc = toCreate;
    creators.execute(() -> create(inc, e));
  }

  private void create(Incident inc, HealthEvent e) {
    if (aborted) {
      return;
    }
    Optional<ProposalView> existing;
    try {
      existing = store.createIfAbsent(ProposalFactory.newProposal(e, inc.name, namespace));
    } catch (RuntimeException ex) {
      metrics.writeFailed();
      long delay;
      synchronized (this) {
        inc.failedCreates++;
        delay = backoff(inc.failedCreates).toMillis();
      }
      LOG.atWarn()
          .addKeyValue("proposal", inc.name)
          .addKeyValue("svcKey", inc.svcKey)
          .addKeyValue("retryInMs", delay)
          .setCause(ex)
          .log("creating proposal failed; will retry");
      if (aborted) {
        return;
      }
      scheduler.schedule(
          () -> creators.execute(() -> create(inc, e)), delay, TimeUnit.MILLISECONDS);
      return;
    }
    synchronized (this) {
      creationsInFlight--;
      inc.created = true;
      if (existing.isPresent()) {
        // Redelivered, or created by another instance: count into the existing proposal.
        long before = existing.get().occurrences() == null ? 0 : existing.get().occurrences();
        inc.occurrences += before;
        inc.persistedOccurrences = before;
        inc.open = existing.get().open();
        LOG.atInfo()
            .addKeyValue("proposal", inc.name)
            .addKeyValue("svcKey", inc.svcKey)
            .log("proposal exists already; event folded into it");
      } else {
        metrics.created();
        LOG.atInfo()
            .addKeyValue("proposal", inc.name)
            .addKeyValue("svcKey", inc.svcKey)
            .addKeyValue("eventType", e.eventType())
            .log("proposal created");
      }
      dirty.add(inc);
    }
    writeOne(inc);
  }

  private static Duration backoff(int failures) {
    long ms = 200L << Math.min(failures, 10);
    return Duration.ofMillis(Math.min(ms, MAX_RETRY_DELAY.toMillis()));
  }

  /** Writes the occurrences of every incident that changed since its last write. */
  public void flush() {
    List<Incident> batch;
    synchronized (this) {
      batch = new ArrayList<>();
      for (Iterator<Incident> it = dirty.iterator(); it.hasNext(); ) {
        Incident inc = it.next();
        if (inc.created) {
          batch.add(inc);
        }
      }
      evictStale();
    }
    for (Incident inc : batch) {
      writeOne(inc);
    }
  }

  private void writeOne(Incident inc) {
    if (aborted) {
      return;
    }
    long occurrences;
    Instant firstSeen;
    Instant lastSeen;
    synchronized (this) {
      if (!dirty.remove(inc) || !inc.unwritten()) {
        return;
      }
      occurrences = inc.occurrences;
      firstSeen = inc.firstSeen;
      lastSeen = inc.lastSeen;
    }
    try {
      boolean exists = store.patchOccurrences(inc.name, occurrences, firstSeen, lastSeen);
      metrics.statusWritten();
      synchronized (this) {
        if (!exists) {
          forgetLocked(inc.name, inc.svcKey);
          return;
        }
        inc.persistedOccurrences = Math.max(inc.persistedOccurrences, occurrences);
        inc.persistedLastSeen = lastSeen;
        if (inc.unwritten()) {
          dirty.add(inc);
        }
      }
    } catch (RuntimeException ex) {
      metrics.writeFailed();
      synchronized (this) {
        dirty.add(inc);
      }
      LOG.atWarn()
          .addKeyValue("proposal", inc.name)
          .setCause(ex)
          .log("writing occurrences failed; will retry at the next flush");
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
    Instant now = clock.instant();
    bySvcKey
        .values()
        .removeIf(
            inc ->
                inc.created
                    && !inc.open
                    && !dirty.contains(inc)
                    && !now.isBefore(inc.windowStart.plus(cooldown)));
  }

  /** A proposal seen in the cluster (initial list or a change). */
  public synchronized void observe(ProposalView v) {
    Incident inc = bySvcKey.get(v.svcKey());
    if (inc != null && inc.name.equals(v.name())) {
      inc.open = v.open();
      if (v.windowStart().isAfter(inc.windowStart)) {
        inc.windowStart = v.windowStart();
      }
      return;
    }
    if (inc != null && (!inc.created || !v.createdAt().isAfter(inc.createdAt))) {
      return;
    }
    Incident seeded = new Incident(v.name(), v.svcKey(), v.createdAt());
    seeded.windowStart = v.windowStart();
    seeded.created = true;
    seeded.open = v.open();
    seeded.occurrences = v.occurrences() == null ? 1 : v.occurrences();
    seeded.persistedOccurrences = v.occurrences() == null ? 0 : v.occurrences();
    seeded.firstSeen = v.firstSeen() == null ? v.createdAt() : v.firstSeen();
    seeded.lastSeen = v.lastSeen() == null ? v.createdAt() : v.lastSeen();
    seeded.persistedLastSeen = seeded.lastSeen;
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
      bySvcKey.remove(svcKey);
      dirty.remove(inc);
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
      if (inc.unwritten()) {
        return false;
      }
    }
    return dirty.isEmpty();
  }

  /** Stops taking work and writes what is left, waiting up to {@code timeout}. */
  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  public void close(Duration timeout) {
    creators.shutdown();
    try {
      creators.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    scheduler.shutdownNow();
    flushQuietly();
  }

  /**
   * Stops at once and writes nothing more, not even the folded counts left to flush: the lease is
   * lost, and the new leader reads the cluster and owns it from here.
   */
  public void abort() {
    aborted = true;
    creators.shutdownNow();
    scheduler.shutdownNow();
  }
}
