package dev.homelab.remediation.ingest;

import dev.homelab.remediation.util.DaemonThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Redis, on a connection of its own, how many bytes it holds for the subscriber in its output
 * buffer ({@code CLIENT LIST ID <id>}, field {@code omem}): every {@link #EVERY} while the reader
 * has data waiting ({@link #busy()}, in the last second), every {@link #IDLE_EVERY} otherwise (ten
 * small commands a second for a quiet homelab).
 *
 * <p>That buffer, not the socket's, is what costs the subscription: Redis closes a subscriber whose
 * output buffer passes {@code client-output-buffer-limit pubsub} (32 MiB at once, or 8 MiB for 60
 * s, by default). Knowing it, the reader can ride out a stall of a few milliseconds (a young
 * collection) with the data waiting in Redis instead of dropping events as soon as its own socket
 * fills. Reports -1 when it cannot tell: before the first answer, after a lost connection, or for
 * good when Redis refuses the commands (an ACL without {@code CLIENT}, Redis before 6.2); the
 * reader then goes by its socket alone, as before.
 */
final class OutputBufferProbe implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OutputBufferProbe.class);
  static final Duration EVERY = Duration.ofMillis(10);
  static final Duration IDLE_EVERY = Duration.ofMillis(100);
  private static final long BUSY_FOR_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final Duration AFTER_FAILURE = Duration.ofSeconds(1);
  private static final int MAX_REPLY = 8192;

  /** Opens an authenticated connection to the subscriber's Redis. */
  interface Connector {
    Socket open() throws IOException;

    void authenticate(OutputStream out, RespReader in) throws IOException;
  }

  private final Connector connector;
  private final LongConsumer report;
  private final Thread thread;
  private volatile long clientId = -1;
  private volatile boolean refused;
  private volatile boolean closed;
  private volatile Socket socket;
  private volatile long busyAtNanos = System.nanoTime() - BUSY_FOR_NANOS;
  private volatile boolean idling;

  OutputBufferProbe(Connector connector, LongConsumer report) {
    this.connector = connector;
    this.report = report;
    this.thread = DaemonThreads.named("redis-probe").newThread(this::run);
  }

  /** Probes the subscriber with this client id from now on (-1: none; nothing is probed). */
  synchronized void watch(long id) {
    clientId = id;
    if (id < 0) {
      report.accept(-1);
    } else if (thread.getState() == Thread.State.NEW && !closed && !refused) {
      thread.start();
    }
  }

  /** The reader has data waiting in its socket: probe often from now on, for a second. */
  void busy() {
    busyAtNanos = System.nanoTime();
    if (idling) {
      idling = false;
      LockSupport.unpark(thread);
    }
  }

  /** Redis's {@code omem} in a {@code CLIENT LIST} line, or -1 when the line has none. */
  static long omem(String clientLine) {
    int at = clientLine.indexOf(" omem=");
    if (at < 0) {
      return -1;
    }
    long n = 0;
    int digits = 0;
    for (int i = at + 6; i < clientLine.length(); i++) {
      char c = clientLine.charAt(i);
      if (c < '0' || c > '9' || digits == 18) {
        break;
      }
      n = n * 10 + (c - '0');
      digits++;
    }
    return digits == 0 ? -1 : n;
  }

  private void run() {
    RespReader in = null;
    OutputStream out = null;
    byte[] command = null;
    long commandFor = -1;
    while (!closed && !refused) {
      long id = clientId;
      if (id < 0) {
        pause(AFTER_FAILURE);
        continue;
      }
      try {
        if (socket == null) {
          Socket s = connector.open();
          socket = s;
          in = new RespReader(s.getInputStream(), b -> {});
          out = s.getOutputStream();
          connector.authenticate(out, in);
        }
        if (commandFor != id) {
          command = RedisConnector.command("CLIENT", "LIST", "ID", Long.toString(id));
          commandFor = id;
        }
        out.write(command);
        out.flush();
        report.accept(omem(in.bulkString("CLIENT LIST", MAX_REPLY)));
        if (System.nanoTime() - busyAtNanos < BUSY_FOR_NANOS) {
          pause(EVERY);
        } else {
          idle();
        }
      } catch (RespReader.Refused e) {
        refused = true;
        report.accept(-1);
        LOG.atInfo().log(
            "cannot read Redis's output buffer for the subscriber ({}); the reader sheds by"
                + " its socket's backlog alone",
            e.getMessage());
      } catch (IOException | RuntimeException e) {
        report.accept(-1);
        closeSocket();
        if (!closed) {
          LOG.atDebug().log("output buffer probe: {}", e.toString());
          pause(AFTER_FAILURE);
        }
      }
    }
    closeSocket();
  }

  private void pause(Duration d) {
    try {
      TimeUnit.NANOSECONDS.sleep(d.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  /** Sleeps {@link #IDLE_EVERY}, or until {@link #busy()}. */
  private void idle() {
    idling = true;
    long until = System.nanoTime() + IDLE_EVERY.toNanos();
    for (long left = IDLE_EVERY.toNanos(); idling && left > 0; left = until - System.nanoTime()) {
      LockSupport.parkNanos(this, left);
      if (Thread.interrupted()) {
        closed = true;
        break;
      }
    }
    idling = false;
  }

  private void closeSocket() {
    Socket s = socket;
    socket = null;
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    closeSocket(); // unblocks a read under way
    thread.interrupt();
  }
}
