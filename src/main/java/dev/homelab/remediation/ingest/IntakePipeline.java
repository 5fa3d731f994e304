package dev.homelab.remediation.ingest;

import dev.homelab.remediation.util.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes raw messages from the Redis reader thread without blocking it: the message is put in a
 * queue bounded by bytes, and worker threads parse it and hand it to the {@link IncidentBook}.
 *
 * <p>When the workers fall behind, the reader sheds, cheapest first, and counts what it shed by
 * reason ({@code remediation_events_shed_total}): past half the buffer it ranks each message with
 * {@link Triage} (one pass over the bytes, no parse) and drops repeats of an incident that is open
 * (they would only be counted); past three quarters benign and {@code info} events too; past nine
 * tenths {@code warning} ones and those it cannot rank; a {@code critical} first event is dropped
 * only when the buffer is full. So a storm can never grow the heap without bound, the reader keeps
 * up with Redis, and a new incident gets in while its neighbour's storm is being shed.
 */
public final class IntakePipeline implements RedisSubscriber.Sink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IntakePipeline.class);

  /** Accounting overhead per queued message, beyond its payload. */
  static final int ENTRY_OVERHEAD = 96;

  private static final List<QueuedMessage> STOP = List.of();
  private static final long SHED_LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

  static final long PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(1000);
  static final long FIRST_WORKER_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

  private final EventParser parser;
  private final Duration drainTimeout;
  private final IncidentBook book;
  private final IntakeMetrics metrics;
  private final Clock clock;
  private final int maxMessageBytes;
  private final long bufferBytes;
  // Messages go in batches: those the reader read from one socket read, handed on together.
  private final LinkedBlockingQueue<List<QueuedMessage>> queue = new LinkedBlockingQueue<>();
  private final Object handOver = new Object(); // a batch queued, or the queue closed
  private List<QueuedMessage> held = new ArrayList<>(); // reader thread only
  private long heldBytes; // reader thread only: what held costs, not yet in queuedBytes
  private int unreported; // reader thread only: received since the reader last caught up
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicLong inFlight = new AtomicLong();
  private final List<Thread> workers = new ArrayList<>();
  private final Triage triage;
  private final long shedRepeatsAbove;
  private final long shedInfoAbove;
  private final long shedWarningsAbove;
  private long lastShedLog = System.nanoTime() - SHED_LOG_EVERY_NANOS;
  private volatile boolean accepting = true;
  private volatile boolean aborted;
  private final ReaderBacklog backlog = new ReaderBacklog();
  // Read only while the reader is behind; one instance, not one per message (C1 does not elide it).
  private final BooleanSupplier queueAtRisk;

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
    this.triage = new Triage(book::wouldFold);
    this.shedRepeatsAbove = bufferBytes / 2;
    this.queueAtRisk = () -> queuedBytes.get() > shedRepeatsAbove / 2;
    this.shedInfoAbove = bufferBytes / 4 * 3;
    this.shedWarningsAbove = bufferBytes / 10 * 9;
    metrics.buffer(queuedBytes::get, inFlight::get, bufferBytes);
    metrics.readerBacklog(this::readerBacklog);
    metrics.redisOutputBuffer(backlog::redisBytes);
    ThreadFactory threads = DaemonThreads.named("intake-parse");
    for (int i = 1; i <= workerCount; i++) {
      long pause = i == 1 ? FIRST_WORKER_PAUSE_NANOS : PAUSE_NANOS;
      workers.add(threads.newThread(() -> work(pause)));
    }
  }

  public void start() {
    workers.forEach(Thread::start);
  }

  /** A message as bytes, from a test or a caller that owns the array: handed on at once. */
  public void message(String channel, byte[] payload) {
    message(channel, payload, 0, payload.length);
    caughtUp();
  }

  /**
   * Called on the Redis reader thread (one thread): constant time, never blocks; copies the bytes
   * only of a message it keeps.
   */
  @Override
  public void message(String channel, byte[] buf, int off, int len) {
    unreported++;
    if (!accepting) {
      return;
    }
    if (backlog.draining()) {
      shed(ShedReason.BEHIND); // Redis is a quarter of the way to closing it, or more: no look-up
      return;
    }
    Triage.Rank rank = null;
    if (backlog.skimming()) {
      // No time to rank: only what a look-up ranks is told apart; a critical first event still
      // gets in if there is room.
      rank = triage.known(buf, off, len);
      ShedReason shed = rank == null ? ShedReason.BEHIND : shedding(rank, Long.MAX_VALUE);
      if (shed != null) {
        shed(shed);
        return;
      }
    }
    if (len > maxMessageBytes) {
      oversizedRejected(channel, len);
      return;
    }
    long cost = (long) len + ENTRY_OVERHEAD;
    long after = queuedBytes.get() + heldBytes + cost;
    if (after > shedRepeatsAbove) {
      ShedReason shed = shedding(rank != null ? rank : triage.rank(buf, off, len), after);
      if (shed != null) {
        shed(shed);
        return;
      }
    }
    if (after > bufferBytes) {
      shed(ShedReason.FULL);
      return;
    }
    heldBytes += cost;
    held.add(new QueuedMessage(channel, Arrays.copyOfRange(buf, off, off + len), clock.millis()));
  }

  /**
   * Hands on what the reader read since it last caught up, together: one wake-up of a parse worker
   * per read from the socket, not one per message (each costs more than folding one), and the
   * counts shared with the workers and the metrics changed once, not per message.
   */
  @Override
  public void caughtUp() {
    if (!held.isEmpty()) {
      synchronized (handOver) { // not behind the STOP of a close or an abort under way
        if (accepting) {
          queuedBytes.addAndGet(heldBytes);
          inFlight.addAndGet(held.size());
          queue.add(held);
          held = new ArrayList<>();
        } else {
          held.clear();
        }
      }
      heldBytes = 0;
    }
    if (unreported > 0) {
      metrics.received(unreported); // after inFlight: received == n implies they are counted
      unreported = 0;
    }
  }

  private void release(QueuedMessage raw) {
    queuedBytes.addAndGet(-((long) raw.payload().length + ENTRY_OVERHEAD));
    inFlight.decrementAndGet();
  }

  /**
   * How far the reader is behind decides the workers' pauses and its skimming: {@link
   * ReaderBacklog}.
   */
  @Override
  public void backlog(long bytes, long capacity) {
    backlog.socket(bytes, capacity, System.nanoTime());
  }

  @Override
  public void redisOutputBuffer(long bytes, long skimAbove) {
    backlog.redis(bytes, skimAbove, System.nanoTime());
  }

  /** Bytes received from Redis that the reader has not read yet. */
  public long readerBacklog() {
    return backlog.socketBytes();
  }

  /** Why a message of {@code rank} is shed when the buffer would hold {@code after} bytes. */
  private ShedReason shedding(Triage.Rank rank, long after) {
    switch (rank) {
      case REPEAT:
        return ShedReason.REPEAT;
      case BENIGN:
        return after > shedInfoAbove ? ShedReason.BENIGN : null;
      case INFO:
        return after > shedInfoAbove ? ShedReason.INFO : null;
      case WARNING:
      case UNKNOWN:
        return after > shedWarningsAbove ? ShedReason.WARNING : null;
      default:
        return null; // critical: only a full buffer sheds it
    }
  }

  private void shed(ShedReason reason) {
    metrics.shed(reason);
    long now = System.nanoTime();
    if (now - lastShedLog >= SHED_LOG_EVERY_NANOS) {
      lastShedLog = now;
      LOG.atWarn()
          .addKeyValue("bufferedBytes", queuedBytes.get())
          .addKeyValue("limitBytes", bufferBytes)
          .addKeyValue("shedSoFar", metrics.shedSummary())
          .addKeyValue("reason", reason.tag())
          .addKeyValue("socketBacklogBytes", backlog.socketBytes())
          .addKeyValue("redisOutputBufferBytes", backlog.redisBytes())
          .addKeyValue("redisFigureAgeMs", backlog.redisAgeMillis(now))
          .log("the intake is behind Redis and sheds events, cheapest first (repeats first)");
    }
  }

  /** A message over MAX_MESSAGE_BYTES, skipped unread by the subscriber. */
  @Override
  public void oversized(String channel, long bytes) {
    metrics.received();
    if (accepting) {
      oversizedRejected(channel, bytes);
    }
  }

  private void oversizedRejected(String channel, long bytes) {
    logRejected(
        channel, bytes, RejectReason.TOO_LARGE, bytes + " bytes > limit " + maxMessageBytes);
  }

  /**
   * {@code pause}: how long the worker sleeps before each message while the reader is behind (the
   * first worker briefly, so parsing goes on; the others long, so the reader gets the CPU), unless
   * that would only shed what the socket holds ({@link ReaderBacklog#pause}). While the reader
   * skims, about to lose the subscription, every worker sleeps the long pause: parsing still goes
   * on, a thousand messages a second, so a new incident queued still gets in.
   */
  private void work(long pause) {
    IntakeWorker worker = new IntakeWorker(parser, book, metrics, this::logRejected);
    while (true) {
      List<QueuedMessage> batch;
      try {
        batch = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (batch == STOP) {
        return;
      }
      long bytes = 0;
      for (QueuedMessage raw : batch) {
        bytes += raw.payload().length + ENTRY_OVERHEAD;
      }
      try {
        for (QueuedMessage raw : batch) {
          if (aborted) {
            break;
          }
          long wait = pauseBefore(pause);
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
          try {
            worker.handle(raw);
          } catch (RuntimeException e) {
            LOG.error("unexpected error handling an event; continuing", e);
          }
        }
        worker.flush();
      } finally {
        // Only now, and even if the worker dies: the folds gathered in the batch are in the book.
        queuedBytes.addAndGet(-bytes);
        inFlight.addAndGet(-batch.size());
      }
    }
  }

  /**
   * How long a parse worker whose own pause is {@code pause} waits: {@link ReaderBacklog#pause}.
   */
  long pauseBefore(long pause) {
    return backlog.pause(pause, PAUSE_NANOS, queueAtRisk);
  }

  private void logRejected(String channel, long bytes, RejectReason reason, String detail) {
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
    synchronized (handOver) {
      accepting = false;
      workers.forEach(w -> queue.add(STOP));
    }
    try {
      // One deadline for all of them: INTAKE_DRAIN_SECONDS is the drain's, not each worker's.
      long deadline = System.nanoTime() + drainTimeout.toNanos();
      for (Thread w : workers) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left > 0) {
          w.join(left);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops taking messages and drops those queued without handing them on; does not wait. */
  public void abort() {
    synchronized (handOver) {
      accepting = false;
      aborted = true;
      List<List<QueuedMessage>> dropped = new ArrayList<>();
      queue.drainTo(dropped);
      dropped.forEach(batch -> batch.forEach(this::release));
      workers.forEach(w -> queue.add(STOP));
    }
  }
}
