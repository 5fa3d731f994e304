package dev.homelab.remediation.ingest;

import dev.homelab.remediation.util.DaemonThreads;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribes to the event channels and hands each message, as bytes, to a {@link Sink} on its own
 * reader thread, reading RESP straight off the socket.
 *
 * <p>Why not Lettuce's pub/sub here: Redis closes a subscriber whose output buffer passes its limit
 * (32 MiB by default), and with the image's JVM flags (C1 only) Lettuce's pub/sub with an empty
 * listener loses the subscription between 400,000 and 800,000 messages/s on the build machine while
 * Redis delivers 1.5 million/s to one subscriber from a pipelined publisher (SubscriberBenchmark).
 * This reader does per message no more than find the frame, compare the channel's bytes with the
 * subscribed names and copy the payload, so it reads faster than Redis writes and the subscription
 * survives any storm; what the operator cannot parse in time is shed by the {@link IntakePipeline},
 * counted, never by Redis. Lettuce still parses the URL (redis://, rediss://, user and password)
 * and publishes in the {@code publish} command.
 *
 * <p>Connects with retries; after a lost connection it reconnects and resubscribes, and logs the
 * gap (pub/sub messages published meanwhile are not kept by Redis). A PING every {@link
 * #PING_EVERY} keeps a quiet connection checked: nothing read for three of them closes it.
 */
public final class RedisSubscriber implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSubscriber.class);
  static final Duration PING_EVERY = Duration.ofSeconds(20);

  /** A subscription that lasted this long resets the reconnect backoff. */
  private static final Duration STABLE = Duration.ofSeconds(10);

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
  private static final byte[][] MESSAGE = {"message".getBytes(StandardCharsets.US_ASCII)};
  private static final byte[] PING = "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);

  /** Where messages go; called on the reader thread, so it must be quick and never block. */
  public interface Sink {
    /**
     * A message: {@code len} bytes of {@code buf} from {@code off}. The bytes are valid during the
     * call only: a sink that keeps them copies them.
     */
    void message(String channel, byte[] buf, int off, int len);

    /** A message larger than the limit: skipped unread, only its size is known. */
    void oversized(String channel, long bytes);

    /**
     * Bytes received from Redis and not read yet (how far the reader is behind), out of {@code
     * capacity}, the socket's receive buffer.
     */
    default void backlog(long bytes, long capacity) {}

    /**
     * The reader has handed on every message it read and is about to read more (and may wait for
     * it): a sink that holds messages back, to hand them on together, hands them on now.
     */
    default void caughtUp() {}

    /**
     * Bytes Redis holds for this subscriber in its output buffer, from {@link OutputBufferProbe} on
     * its own thread (-1 when it cannot tell), and the level past which the reader should drop what
     * it reads to keep the subscription (below Redis's limit for subscribers).
     */
    default void redisOutputBuffer(long bytes, long skimAbove) {}
  }

  private final RedisURI uri;
  private final List<String> channels;
  private final byte[][] channelBytes;
  private final int maxMessageBytes;
  private final Sink sink;
  private final ScheduledExecutorService pinger =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("redis-ping"));
  private final Thread reader;
  private final AtomicLong reconnects = new AtomicLong();
  private final RedisConnector connector;
  private final OutputBufferProbe probe;
  private volatile Socket socket;
  private volatile boolean subscribed;
  private volatile boolean closed;

  public RedisSubscriber(RedisURI uri, List<String> channels, int maxMessageBytes, Sink sink) {
    this.uri = uri;
    this.channels = List.copyOf(channels);
    this.channelBytes = new byte[channels.size()][];
    for (int i = 0; i < channelBytes.length; i++) {
      channelBytes[i] = channels.get(i).getBytes(StandardCharsets.UTF_8);
    }
    this.maxMessageBytes = maxMessageBytes;
    this.sink = sink;
    this.reader = DaemonThreads.named("redis-subscriber").newThread(this::run);
    this.connector = new RedisConnector(uri);
    this.probe = new OutputBufferProbe(connector, sink::redisOutputBuffer);
  }

  /** Connects in the background, retrying until it succeeds or {@link #close()} is called. */
  public void start() {
    reader.start();
    long ms = PING_EVERY.toMillis();
    pinger.scheduleWithFixedDelay(this::ping, ms, ms, TimeUnit.MILLISECONDS);
  }

  private void run() {
    try {
      connectAndRead();
    } catch (Throwable t) { // NOPMD: an Error must not leave a subscriber that looks subscribed
      LOG.error("the Redis reader stopped", t);
      throw t;
    } finally {
      subscribed = false;
      RedisConnector.closeQuietly(socket);
    }
  }

  private void connectAndRead() {
    int failures = 0;
    Instant lostAt = null;
    while (!closed) {
      Socket s = null;
      Instant subscribedAt = null;
      try {
        s = connector.open();
        socket = s;
        if (closed) {
          return; // closed while connecting: the finally closes this socket
        }
        Socket connected = s;
        long[] capacity = {s.getReceiveBufferSize()};
        RespReader in =
            new RespReader(
                s.getInputStream(),
                b -> {
                  if (b > 0) {
                    capacity[0] = RedisConnector.receiveBuffer(connected, capacity[0]);
                    probe.busy();
                  }
                  sink.backlog(b, capacity[0]);
                },
                sink::caughtUp);
        connector.authenticate(s.getOutputStream(), in);
        OutputBufferProbe.Target identity = identity(s.getOutputStream(), in);
        subscribe(s.getOutputStream(), in);
        probe.watch(identity);
        subscribedAt = Instant.now();
        if (lostAt != null) {
          reconnects.incrementAndGet();
          LOG.atWarn()
              .addKeyValue("gapMs", Duration.between(lostAt, Instant.now()).toMillis())
              .log("reconnected to Redis; pub/sub messages published during the gap are lost");
        }
        read(in);
      } catch (IOException | RuntimeException e) {
        boolean wasSubscribed = subscribed;
        subscribed = false;
        probe.watch(null); // first: the last figure (maybe what closed it) must not stay fresh
        sink.backlog(0, 1);
        RedisConnector.closeQuietly(s);
        if (closed) {
          return;
        }
        if (wasSubscribed) {
          lostAt = Instant.now();
          if (Duration.between(subscribedAt, lostAt).compareTo(STABLE) >= 0) {
            failures = 0; // it had been up a while: reconnect quickly; else keep backing off
          }
          LOG.atWarn().log("lost the Redis connection ({}); reconnecting", e.getMessage());
        }
        long delay =
            lostAt != null
                ? Math.min(5_000L, 50L << Math.min(failures, 7))
                : Math.min(30_000L, 500L << Math.min(failures, 6));
        failures++;
        if (!wasSubscribed) {
          LOG.atWarn()
              .addKeyValue("redis", uri.getHost() + ":" + uri.getPort())
              .addKeyValue("retryInMs", delay)
              .log("cannot reach Redis: {}", e.getMessage());
        }
        sleep(delay);
      }
    }
  }

  /**
   * Names this connection (a random name, so the probe can tell its line from another server's
   * client of the same id) and asks its client id, for {@link OutputBufferProbe}; null when Redis
   * refuses either.
   */
  private OutputBufferProbe.Target identity(OutputStream out, RespReader in) throws IOException {
    String name = "remediation-intake-" + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE);
    try {
      write(out, "CLIENT", "SETNAME", name);
      in.simple("CLIENT SETNAME");
      write(out, "CLIENT", "ID");
      return new OutputBufferProbe.Target(in.integer("CLIENT ID"), name);
    } catch (RespReader.Refused e) {
      LOG.atInfo().log("{}: the reader sheds by its socket's backlog alone", e.getMessage());
      return null;
    }
  }

  private void subscribe(OutputStream out, RespReader in) throws IOException {
    String[] args = new String[channels.size() + 1];
    args[0] = "SUBSCRIBE";
    for (int i = 0; i < channels.size(); i++) {
      args[i + 1] = channels.get(i);
    }
    write(out, args);
    for (String channel : channels) {
      in.expectSubscribed();
      LOG.atInfo().addKeyValue("channel", channel).log("subscribed");
    }
    subscribed = true;
  }

  /** The read loop: one pub/sub frame after another until the connection ends. */
  private void read(RespReader in) throws IOException {
    while (!closed) {
      int parts = in.arrayHeader();
      boolean message = parts > 0 && in.bulkMatching(MESSAGE) == 0;
      if (parts == 3 && message) {
        int channel = in.bulkMatching(channelBytes);
        long length = in.bulkLength();
        String name = channel < 0 ? "" : channels.get(channel);
        if (length > maxMessageBytes) {
          in.skip(length + 2);
          sink.oversized(name, length);
        } else if (channel >= 0) {
          int at = in.bodyInPlace((int) length);
          if (at >= 0) {
            deliver(name, in.buffer(), at, (int) length);
          } else {
            byte[] body = in.bulkBody((int) length);
            deliver(name, body, 0, body.length);
          }
        } else {
          in.skip(length + 2);
        }
      } else {
        for (int i = 1; i < parts; i++) {
          in.skipElement(); // a PING's pong, a subscribe confirmation after a reconnect
        }
      }
    }
  }

  /** A failing sink loses its one message, not the connection. */
  private void deliver(String channel, byte[] buf, int off, int len) {
    try {
      sink.message(channel, buf, off, len);
    } catch (RuntimeException e) {
      LOG.error("handing a message on failed; continuing", e);
    }
  }

  /** True while the reader thread runs (it stops only on close or on an Error). */
  public boolean alive() {
    return closed || reader.isAlive() || reader.getState() == Thread.State.NEW;
  }

  private void ping() {
    Socket s = socket;
    if (s == null || !subscribed) {
      return;
    }
    try {
      synchronized (this) {
        OutputStream out = s.getOutputStream();
        out.write(PING);
        out.flush();
      }
    } catch (IOException e) {
      RedisConnector.closeQuietly(s); // the reader sees it and reconnects
    }
  }

  private synchronized void write(OutputStream out, String... args) throws IOException {
    out.write(RedisConnector.command(args));
    out.flush();
  }

  /** True while every channel is subscribed. */
  public boolean isSubscribed() {
    return subscribed;
  }

  /** How many times the subscription was lost and made again. */
  public long reconnects() {
    return reconnects.get();
  }

  private void sleep(long ms) {
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  @Override
  public void close() {
    closed = true;
    subscribed = false;
    pinger.shutdownNow();
    probe.close();
    RedisConnector.closeQuietly(socket);
    reader.interrupt();
    try {
      reader.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
