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
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the reconciler's Events from a thread of its own, in the order they were recorded, so a
 * reconcile does not wait for their writes: in a burst of new incidents the proposals reach their
 * phases while their Events follow (each Event still costs its one write). An Event carries the
 * time it was recorded, not the time it was sent.
 *
 * <p>Bounded: while {@code capacity} Events wait, a reconcile that records one waits for room (as
 * long as an Event's write takes, at most {@link #WAIT_FOR_ROOM}) and then, should the sender be
 * stuck, sends its own. Only what an Event names of its proposal is kept while it waits. {@link
 * #close} sends what is queued, for at most {@link #DRAIN}; afterwards every Event is sent by the
 * caller. A replica fenced by a lost Lease sends nothing more, not even what it recorded before.
 */
public final class QueuedEventRecorder implements EventRecorder, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QueuedEventRecorder.class);

  /** Room for the Events of a burst of 100 new incidents, about 300 bytes each. */
  public static final int DEFAULT_CAPACITY = 256;

  static final Duration WAIT_FOR_ROOM = Duration.ofSeconds(5);
  static final Duration DRAIN = Duration.ofSeconds(5);

  private record Queued(
      RemediationProposal proposal, EventReason reason, String message, Instant at) {}

  private final KubernetesEventRecorder delegate;
  private final Clock clock;
  private final BlockingQueue<Queued> queue;
  private final Thread sender;
  private final BooleanSupplier fenced;
  private volatile boolean closed;

  public QueuedEventRecorder(
      KubernetesEventRecorder delegate, Clock clock, int capacity, BooleanSupplier fenced) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.delegate = delegate;
    this.clock = clock;
    this.fenced = fenced;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.sender = DaemonThreads.named("event-recorder").newThread(this::send);
    sender.start();
  }

  @Override
  public void record(RemediationProposal proposal, EventReason reason, String message) {
    if (fenced.getAsBoolean()) {
      return;
    }
    Queued q = new Queued(named(proposal), reason, message, clock.instant());
    if (!closed) {
      try {
        if (queue.offer(q, WAIT_FOR_ROOM.toMillis(), TimeUnit.MILLISECONDS)) {
          return;
        }
        LOG.atWarn()
            .addKeyValue("queued", queue.size())
            .log("the Event sender is stuck; sending this Event from the reconcile");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    delegate.record(q.proposal(), q.reason(), q.message(), q.at());
  }

  /** Events waiting to be sent. */
  public int queued() {
    return queue.size();
  }

  private void send() {
    while (true) {
      Queued q;
      try {
        q = queue.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (q != null && fenced.getAsBoolean()) {
        LOG.atDebug()
            .addKeyValue("proposal", q.proposal().getMetadata().getName())
            .addKeyValue("reason", q.reason())
            .log("Lease lost: the Event is not sent");
      } else if (q != null) {
        delegate.record(q.proposal(), q.reason(), q.message(), q.at()); // never throws
      } else if (closed) {
        return;
      }
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

  /** Sends what is queued (at most {@link #DRAIN}); later Events are sent by their callers. */
  @Override
  public void close() {
    closed = true;
    try {
      sender.join(DRAIN.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (sender.isAlive()) {
      LOG.atWarn()
          .addKeyValue("queued", queue.size())
          .log("stopping with Events not sent: the API server did not take them in time");
      sender.interrupt();
    }
  }
}
