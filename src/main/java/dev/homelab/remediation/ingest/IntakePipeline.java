package dev.homelab.remediation.ingest;

import dev.homelab.remediation.util.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes raw messages from the Redis I/O thread without blocking it: the message is put in a queue
 * bounded by bytes, and worker threads parse it and hand it to the {@link IncidentBook}. When the
 * buffer is full the message is dropped and counted ({@code buffer_full}), so a storm can never
 * grow the heap without bound.
 */
public final class IntakePipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IntakePipeline.class);

  /** Accounting overhead per queued message, beyond its payload. */
  static final int ENTRY_OVERHEAD = 96;

  private record Raw(String channel, byte[] payload, Instant receivedAt) {}

  private static final Raw STOP = new Raw("", new byte[0], Instant.EPOCH);

  private final EventParser parser;
  private final Duration drainTimeout;
  private final IncidentBook book;
  private final IntakeMetrics metrics;
  private final Clock clock;
  private final int maxMessageBytes;
  private final long bufferBytes;
  private final LinkedBlockingQueue<Raw> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicLong inFlight = new AtomicLong();
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean accepting = true;

  public IntakePipeline(
      EventParser parser,
      IncidentBook book,
      IntakeMetrics metrics,
      Clock clock,
      int maxMessageBytes,
      long bufferBytes,
      int workerCount) {
    this(
        parser,
        book,
        metrics,
        clock,
        maxMessageBytes,
        bufferBytes,
        workerCount,
        Duration.ofSeconds(10));
  }

  /** {@code drainTimeout}: how long {@link #close()} waits for each worker to finish its queue. */
  public IntakePipeline(
      EventParser parser,
      IncidentBook book,
      IntakeMetrics metrics,
      Clock clock,
      int maxMessageBytes,
      long bufferBytes,
      int workerCount,
      Duration drainTimeout) {
    this.drainTimeout = drainTimeout;
    this.parser = parser;
    this.book = book;
    this.metrics = metrics;
    this.clock = clock;
    this.maxMessageBytes = maxMessageBytes;
    this.bufferBytes = bufferBytes;
    ThreadFactory threads = DaemonThreads.named("intake-parse");
    for (int i = 1; i <= workerCount; i++) {
      workers.add(threads.newThread(this::work));
    }
  }

  public void start() {
    workers.forEach(Thread::start);
  }

  /** Called on the Redis I/O thread: constant time, never blocks. */
  public void offer(String channel, byte[] payload) {
    metrics.received();
    if (!accepting) {
      return;
    }
    if (payload.length > maxMessageBytes) {
      logRejected(
          channel,
          payload.length,
          RejectReason.TOO_LARGE,
          payload.length + " bytes > limit " + maxMessageBytes);
      return;
    }
    long cost = (long) payload.length + ENTRY_OVERHEAD;
    if (queuedBytes.addAndGet(cost) > bufferBytes) {
      queuedBytes.addAndGet(-cost);
      logRejected(channel, payload.length, RejectReason.BUFFER_FULL, "intake buffer full");
      return;
    }
    inFlight.incrementAndGet();
    queue.add(new Raw(channel, payload, clock.instant()));
  }

  private void work() {
    while (true) {
      Raw raw;
      try {
        raw = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (raw == STOP) {
        return;
      }
      queuedBytes.addAndGet(-((long) raw.payload().length + ENTRY_OVERHEAD));
      try {
        handle(raw);
      } catch (RuntimeException e) {
        LOG.error("unexpected error handling an event; continuing", e);
      } finally {
        inFlight.decrementAndGet();
      }
    }
  }

  private void handle(Raw raw) {
    ParseOutcome outcome = parser.parse(raw.payload(), raw.channel(), raw.receivedAt());
    if (outcome instanceof ParseOutcome.Accepted a) {
      book.accept(a.event());
    } else if (outcome instanceof ParseOutcome.Benign b) {
      metrics.skipped(b.eventType());
      book.recovered(b.svcKey(), b.observedAt());
    } else if (outcome instanceof ParseOutcome.Rejected r) {
      logRejected(raw.channel(), raw.payload().length, r.reason(), r.detail());
    }
  }

  private void logRejected(String channel, int bytes, RejectReason reason, String detail) {
    metrics.rejected(reason);
    LOG.atWarn()
        .addKeyValue("reason", reason.tag())
        .addKeyValue("channel", channel)
        .addKeyValue("bytes", bytes)
        .addKeyValue("detail", detail)
        .log("event rejected");
  }

  /** True while every parse worker runs. */
  public boolean alive() {
    return workers.stream().allMatch(Thread::isAlive);
  }

  /** Bytes currently buffered (payloads plus per-entry overhead). */
  public long bufferedBytes() {
    return queuedBytes.get();
  }

  /** True when every message offered so far has been parsed and handed on. */
  public boolean idle() {
    return inFlight.get() == 0;
  }

  /** Waits until the queue is empty or the timeout passes. */
  public boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (!idle()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
    return true;
  }

  /** Stops taking messages, finishes those already queued, and stops the worker. */
  @Override
  public void close() {
    accepting = false;
    workers.forEach(w -> queue.add(STOP));
    try {
      for (Thread w : workers) {
        w.join(drainTimeout.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops taking messages and drops those queued without handing them on; does not wait. */
  public void abort() {
    accepting = false;
    List<Raw> dropped = new ArrayList<>();
    queue.drainTo(dropped);
    for (Raw raw : dropped) {
      if (raw == STOP) {
        continue;
      }
      queuedBytes.addAndGet(-((long) raw.payload().length + ENTRY_OVERHEAD));
      inFlight.decrementAndGet();
    }
    workers.forEach(w -> queue.add(STOP));
  }
}
