package dev.homelab.remediation.controller;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.decision.EventReason;
import dev.homelab.remediation.util.DaemonThreads;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the reconciler's Events from a thread of its own, in the order they were recorded, so a
 * reconcile does not wait for their writes: in a burst of new incidents the proposals reach their
 * phases while their Events follow (each Event still costs its one write). An Event carries the
 * time it was recorded, not the time it was sent.
 *
 * <p>Bounded: while {@code capacity} Events wait, a reconcile that records one waits for room, as
 * it waited for its own write before (a warning every {@link #WARN_EVERY}). Only what an Event
 * names of its proposal is kept while it waits. One Event is written at a time, so the count of a
 * repeat (read from the recorder's cache, then written) never races another write of the same
 * Event. {@link #close} sends what is queued, for at most {@link #DRAIN}; an Event recorded after
 * it is sent by its caller. A replica fenced by a lost Lease starts no Event write, not even for
 * what it recorded before.
 */
public final class QueuedEventRecorder implements EventRecorder, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QueuedEventRecorder.class);

  /** Room for the Events of a burst of 100 new incidents, about 300 bytes each. */
  public static final int DEFAULT_CAPACITY = 256;

  static final Duration WARN_EVERY = Duration.ofSeconds(5);
  static final Duration DRAIN = Duration.ofSeconds(5);

  private record Queued(
      RemediationProposal proposal, EventReason reason, String message, Instant at) {}

  /** Tells the sender that close was called; never sent. */
  private static final Queued STOP = new Queued(null, null, null, null);

  private final KubernetesEventRecorder delegate;
  private final Clock clock;
  private final BlockingQueue<Queued> queue;
  private final Thread sender;
  private final BooleanSupplier fenced;

  /** Held around each Event write, by the sender and by a caller after close. */
  private final ReentrantLock writing = new ReentrantLock();

  private volatile boolean closed;

  public QueuedEventRecorder(
      KubernetesEventRecorder delegate, Clock clock, int capacity, BooleanSupplier fenced) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.delegate = delegate;
    this.clock = clock;
    this.fenced = fenced;
    this.queue = new ArrayBlockingQueue<>(capacity + 1); // + STOP
    this.sender = DaemonThreads.named("event-recorder").newThread(this::send);
    sender.start();
  }

  @Override
  public void record(RemediationProposal proposal, EventReason reason, String message) {
    Queued q = new Queued(named(proposal), reason, message, clock.instant());
    if (closed) {
      write(q);
      return;
    }
    if (!queue.offer(q) && !waitForRoom(q)) {
      return;
    }
    // Closed while it was queued: the sender or close may have drained the queue already. Whoever
    // takes it out of the queue writes it.
    if (closed && queue.remove(q)) {
      write(q);
    }
  }

  /** Waits for room for {@code q}; false when it was written or given up meanwhile. */
  private boolean waitForRoom(Queued q) {
    try {
      while (!queue.offer(q, WARN_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
        if (fenced.getAsBoolean()) {
          return false;
        }
        if (closed) {
          write(q);
          return false;
        }
        LOG.atWarn()
            .addKeyValue("queued", queue.size())
            .addKeyValue("reason", q.reason())
            .log("waiting to record an Event: the API server is slow to take them");
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // a reconcile stopped on shutdown
      LOG.atWarn()
          .addKeyValue("proposal", q.proposal().getMetadata().getName())
          .addKeyValue("reason", q.reason())
          .log("interrupted while waiting to record an Event; it is not recorded");
      return false;
    }
  }

  /** Events waiting to be sent. */
  public int queued() {
    return queue.size() - (queue.contains(STOP) ? 1 : 0);
  }

  private void send() {
    while (true) {
      Queued q;
      try {
        q = queue.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (q != null && q != STOP) {
        write(q);
      } else if (closed && queue.isEmpty()) {
        return;
      }
    }
  }

  /** Writes one Event, unless this replica is fenced. */
  private void write(Queued q) {
    writing.lock();
    try {
      if (fenced.getAsBoolean()) {
        LOG.atDebug()
            .addKeyValue("proposal", q.proposal().getMetadata().getName())
            .addKeyValue("reason", q.reason())
            .log("Lease lost: the Event is not sent");
        return;
      }
      delegate.record(q.proposal(), q.reason(), q.message(), q.at()); // never throws
    } finally {
      writing.unlock();
    }
  }

  /** The proposal as its Event names it: name, namespace, uid and resourceVersion. */
  static RemediationProposal named(RemediationProposal p) {
    RemediationProposal named = new RemediationProposal();
    if (p.getMetadata() != null) {
      named.setMetadata(
          new ObjectMetaBuilder()
              .withName(p.getMetadata().getName())
              .withNamespace(p.getMetadata().getNamespace())
              .withUid(p.getMetadata().getUid())
              .withResourceVersion(p.getMetadata().getResourceVersion())
              .build());
    }
    return named;
  }

  /**
   * Sends what is queued (at most {@link #DRAIN}; what the sender has not reached by then is not
   * sent); later Events are sent by their callers.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.offer(STOP); // wakes an idle sender at once; a busy one finds the queue's end anyway
    try {
      sender.join(DRAIN.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (sender.isAlive()) {
      LOG.atWarn()
          .addKeyValue("queued", queued())
          .log("stopping with Events not sent: the API server did not take them in time");
      sender.interrupt();
      queue.clear();
      return;
    }
    // Queued by a record that raced close after the sender's last look.
    for (Queued q = queue.poll(); q != null; q = queue.poll()) {
      if (q != STOP) {
        write(q);
      }
    }
  }
}
