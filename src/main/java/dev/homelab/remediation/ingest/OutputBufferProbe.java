package dev.homelab.remediation.ingest;

import dev.homelab.remediation.util.DaemonThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Redis, on a connection of its own, how many bytes it holds for the subscriber in its output
 * buffer ({@code CLIENT LIST ID <id>}, field {@code omem}): every {@link #EVERY} while the reader
 * has data waiting or Redis holds some ({@link #busy()}, in the last second), every {@link
 * #IDLE_EVERY} otherwise (ten small commands a second for a quiet homelab).
 *
 * <p>That buffer, not the socket's, is what costs the subscription: Redis closes a subscriber whose
 * output buffer passes {@code client-output-buffer-limit pubsub} (32 MiB at once, or 8 MiB for 60
 * s, by default). Knowing it, the reader can ride out a stall of a few milliseconds (a young
 * collection) with the data waiting in Redis instead of dropping events as soon as its own socket
 * fills. With each figure goes the level to skim above: {@link #DEFAULT_SKIM_ABOVE}, or less when
 * {@code CONFIG GET client-output-buffer-limit} shows a lower limit (a quarter of the hard one,
 * half the soft one).
 *
 * <p>Reports -1 when it cannot tell: before the first answer, after a lost connection, when the
 * line it gets back is not the subscriber's (its id and the random name the subscriber set must
 * both match: a URL that reaches several Redis servers may land the probe on another one), or while
 * Redis refuses the commands (an ACL without {@code CLIENT}, Redis before 6.2; asked again every
 * {@link #AFTER_REFUSAL}); the reader then goes by its socket alone, as before.
 */
final class OutputBufferProbe implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OutputBufferProbe.class);
  static final Duration EVERY = Duration.ofMillis(10);
  static final Duration IDLE_EVERY = Duration.ofMillis(100);
  static final long DEFAULT_SKIM_ABOVE = 4L << 20;
  private static final Duration AFTER_FAILURE = Duration.ofSeconds(1);
  private static final Duration AFTER_REFUSAL = Duration.ofSeconds(30);
  private static final long BUSY_FOR_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final int MAX_REPLY = 8192;

  /** Opens an authenticated connection to the subscriber's Redis. */
  interface Connector {
    Socket open() throws IOException;

    void authenticate(OutputStream out, RespReader in) throws IOException;
  }

  /** Where the figures go: Redis's output buffer for the subscriber and the level to skim above. */
  interface Report {
    void accept(long bytes, long skimAbove);
  }

  /** The subscriber's connection: its client id and the name it set. */
  record Target(long id, String name) {}

  private final Connector connector;
  private final Report report;
  private final Thread thread;
  private volatile Target target;
  private volatile boolean closed;
  private volatile Socket socket;
  private volatile long busyAtNanos = System.nanoTime() - BUSY_FOR_NANOS;

  /** How the probe waits: 0 not, 1 its quiet cadence ({@link #busy} ends it), 2 after a failure. */
  private volatile int waiting;

  private boolean refusalLogged;

  OutputBufferProbe(Connector connector, Report report) {
    this.connector = connector;
    this.report = report;
    this.thread = DaemonThreads.named("redis-probe").newThread(this::run);
  }

  /** Probes this connection of the subscriber from now on (null: none; nothing is probed). */
  synchronized void watch(Target t) {
    target = t;
    if (t == null) {
      report.accept(-1, DEFAULT_SKIM_ABOVE);
    } else if (thread.getState() == Thread.State.NEW && !closed) {
      thread.start();
    }
    wake();
  }

  /** The reader has data waiting in its socket: probe often from now on, for a second. */
  void busy() {
    busyAtNanos = System.nanoTime();
    if (waiting == 1) {
      wake();
    }
  }

  private void wake() {
    if (waiting != 0) {
      waiting = 0;
      LockSupport.unpark(thread);
    }
  }

  /** Redis's {@code omem} in a {@code CLIENT LIST} line, or -1 when the line has none. */
  static long omem(String clientLine) {
    return field(clientLine, " omem=");
  }

  /**
   * The level to skim above for the {@code client-output-buffer-limit} Redis reports ({@code
   * "normal 0 0 0 replica … pubsub <hard> <soft> <seconds>"}): a quarter of the hard limit, half
   * the soft one, at most {@link #DEFAULT_SKIM_ABOVE}; the default when it has no pubsub class.
   */
  static long skimAbove(String limits) {
    String[] t = limits.trim().split("\\s+");
    for (int i = 0; i + 2 < t.length; i++) {
      if (t[i].equals("pubsub")) {
        long hard = bytes(t[i + 1]);
        long soft = bytes(t[i + 2]);
        long level = DEFAULT_SKIM_ABOVE;
        if (hard > 0) {
          level = Math.min(level, hard / 4);
        }
        if (soft > 0) {
          level = Math.min(level, soft / 2);
        }
        return Math.max(level, 1);
      }
    }
    return DEFAULT_SKIM_ABOVE;
  }

  private static long bytes(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1; // "32mb" is not what CONFIG GET answers; read it as no limit known
    }
  }

  private static long field(String line, String key) {
    int at = line.indexOf(key);
    if (at < 0) {
      return -1;
    }
    long n = 0;
    int digits = 0;
    for (int i = at + key.length(); i < line.length(); i++) {
      char c = line.charAt(i);
      if (c < '0' || c > '9' || digits == 18) {
        break;
      }
      n = n * 10 + (c - '0');
      digits++;
    }
    return digits == 0 ? -1 : n;
  }

  /** The figure in a {@code CLIENT LIST ID} reply, if it is the subscriber's line; else -1. */
  static long figure(String line, Target t) {
    return line.startsWith("id=" + t.id() + " ") && line.contains(" name=" + t.name() + " ")
        ? omem(line)
        : -1;
  }

  private void run() {
    RespReader in = null;
    OutputStream out = null;
    long skimAbove = DEFAULT_SKIM_ABOVE;
    while (!closed) {
      Target t = target;
      if (t == null) {
        await(AFTER_FAILURE, 2);
        continue;
      }
      try {
        if (socket == null) {
          Socket s = connector.open();
          socket = s;
          in = new RespReader(s.getInputStream(), b -> {});
          out = s.getOutputStream();
          connector.authenticate(out, in);
          skimAbove = configuredSkimAbove(out, in);
        }
        out.write(RedisConnector.command("CLIENT", "LIST", "ID", Long.toString(t.id())));
        out.flush();
        long held = figure(in.bulkString("CLIENT LIST", MAX_REPLY), t);
        synchronized (this) {
          if (target == t) { // not a figure of a connection the subscriber has left meanwhile
            report.accept(held, skimAbove);
          }
        }
        if (held > 0) {
          busyAtNanos = System.nanoTime(); // over TLS the reader cannot tell it has data waiting
        }
        if (System.nanoTime() - busyAtNanos < BUSY_FOR_NANOS) {
          pause(EVERY);
        } else {
          await(IDLE_EVERY, 1);
        }
      } catch (RespReader.Refused e) {
        report.accept(-1, DEFAULT_SKIM_ABOVE);
        if (!refusalLogged) {
          refusalLogged = true;
          LOG.atInfo().log(
              "cannot read Redis's output buffer for the subscriber ({}); the reader sheds by"
                  + " its socket's backlog alone, asking again every {} s",
              e.getMessage(),
              AFTER_REFUSAL.toSeconds());
        }
        await(AFTER_REFUSAL, 2);
      } catch (IOException | RuntimeException e) {
        report.accept(-1, DEFAULT_SKIM_ABOVE);
        closeSocket();
        if (!closed) {
          LOG.atDebug().log("output buffer probe: {}", e.toString());
          await(AFTER_FAILURE, 2);
        }
      }
    }
    closeSocket();
  }

  /** The level for this Redis's limit; the default when CONFIG is refused (a managed Redis). */
  private static long configuredSkimAbove(OutputStream out, RespReader in) throws IOException {
    out.write(RedisConnector.command("CONFIG", "GET", "client-output-buffer-limit"));
    out.flush();
    try {
      List<String> reply = in.bulkStrings("CONFIG GET", MAX_REPLY);
      return reply.size() == 2 ? skimAbove(reply.get(1)) : DEFAULT_SKIM_ABOVE;
    } catch (RespReader.Refused e) {
      return DEFAULT_SKIM_ABOVE;
    }
  }

  private void pause(Duration d) {
    try {
      TimeUnit.NANOSECONDS.sleep(d.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  /**
   * Sleeps {@code d}, or until {@link #watch} (or, for {@code kind} 1, the quiet cadence, {@link
   * #busy}) wakes it.
   */
  private void await(Duration d, int kind) {
    waiting = kind;
    if (kind == 1 && System.nanoTime() - busyAtNanos < BUSY_FOR_NANOS) {
      waiting = 0; // busy() came between the decision to wait and here
    }
    long until = System.nanoTime() + d.toNanos();
    for (long left = d.toNanos(); waiting != 0 && left > 0; left = until - System.nanoTime()) {
      LockSupport.parkNanos(this, left);
      if (Thread.interrupted()) {
        closed = true;
        break;
      }
    }
    waiting = 0;
  }

  private void closeSocket() {
    Socket s = socket;
    socket = null;
    RedisConnector.closeQuietly(s);
  }

  @Override
  public void close() {
    closed = true;
    closeSocket(); // unblocks a read under way
    thread.interrupt();
    if (thread.getState() != Thread.State.NEW) {
      try {
        thread.join(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
