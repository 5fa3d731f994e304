package dev.homelab.remediation.support;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A publisher that speaks RESP on a plain socket and pipelines PUBLISH commands as fast as the
 * connection takes them (or paced at a rate), reading the replies on a second thread. It reports
 * how many messages Redis accepted and how many subscribers received them in all (the sum of the
 * PUBLISH replies), so a test knows exactly what was delivered.
 *
 * <p>Runs in a test's JVM or, through {@link #main}, as a separate process, so that a benchmark's
 * publisher does not share the operator's JVM: {@code java -cp test-classes
 * dev.homelab.remediation.support.PipelinedPublisher PORT CHANNEL SECONDS RATE FILE} where RATE 0
 * is full speed and FILE holds one message per line, published in turn.
 */
public final class PipelinedPublisher {

  /** What a run delivered. */
  public record Result(long published, long deliveries, long nanos) {
    public double perSecond() {
      return published / (nanos / 1e9);
    }
  }

  private static final long PACE_SLEEP_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

  private PipelinedPublisher() {}

  /**
   * Publishes {@code messages} in turn to {@code channel} for {@code duration} (or until {@code
   * limit} messages, when positive), at {@code rate} per second (0: as fast as possible).
   */
  public static Result publish(
      int port, String channel, List<byte[]> messages, long seconds, long rate, long limit)
      throws IOException, InterruptedException {
    byte[][] commands = new byte[messages.size()][];
    for (int i = 0; i < commands.length; i++) {
      commands[i] = command(channel, messages.get(i));
    }
    AtomicLong replies = new AtomicLong();
    AtomicLong deliveries = new AtomicLong();
    try (Socket socket = new Socket()) {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      InputStream in = socket.getInputStream();
      Thread reader =
          new Thread(
              () -> {
                try {
                  readReplies(in, replies, deliveries);
                } catch (IOException e) {
                  // closed at the end
                }
              },
              "publisher-replies");
      reader.setDaemon(true);
      reader.start();
      OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      long sent = 0;
      int next = 0;
      while (true) {
        long now = System.nanoTime();
        if (now >= end || (limit > 0 && sent >= limit)) {
          break;
        }
        long due = rate <= 0 ? sent + 1024 : (now - start) * rate / 1_000_000_000L;
        if (sent >= due) {
          // Ahead of the pace: sleep, not spin, so the publisher does not take a core of the
          // two from the subscriber it measures (a real publisher is elsewhere, or idle).
          out.flush();
          LockSupport.parkNanos(PACE_SLEEP_NANOS);
          continue;
        }
        long batch = Math.min(due - sent, 1024);
        if (limit > 0) {
          batch = Math.min(batch, limit - sent);
        }
        for (long i = 0; i < batch; i++) {
          out.write(commands[next]);
          next = next + 1 == commands.length ? 0 : next + 1;
        }
        sent += batch;
        if (rate > 0) {
          out.flush();
        }
      }
      out.flush();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (replies.get() < sent && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(2);
      }
      long nanos = System.nanoTime() - start;
      if (replies.get() < sent) {
        throw new IOException("Redis answered " + replies.get() + " of " + sent + " PUBLISH");
      }
      return new Result(sent, deliveries.get(), nanos);
    }
  }

  /** Counts the integer replies, a buffer at a time (a byte at a time cost a core at 400k/s). */
  private static void readReplies(InputStream in, AtomicLong replies, AtomicLong deliveries)
      throws IOException {
    byte[] buf = new byte[1 << 16];
    long n = 0;
    boolean inReply = false;
    while (true) {
      int read = in.read(buf);
      if (read < 0) {
        return;
      }
      long count = 0;
      long delivered = 0;
      for (int i = 0; i < read; i++) {
        byte b = buf[i];
        if (!inReply) {
          if (b != ':') {
            throw new IOException("unexpected reply type " + (char) b);
          }
          inReply = true;
          n = 0;
        } else if (b == '\r') {
          delivered += n;
          count++;
        } else if (b == '\n') {
          inReply = false;
        } else {
          n = n * 10 + (b - '0');
        }
      }
      deliveries.addAndGet(delivered);
      replies.addAndGet(count);
    }
  }

  private static byte[] command(String channel, byte[] message) {
    byte[] c = channel.getBytes(StandardCharsets.UTF_8);
    String head =
        "*3\r\n$7\r\nPUBLISH\r\n$"
            + c.length
            + "\r\n"
            + channel
            + "\r\n$"
            + message.length
            + "\r\n";
    byte[] h = head.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[h.length + message.length + 2];
    System.arraycopy(h, 0, out, 0, h.length);
    System.arraycopy(message, 0, out, h.length, message.length);
    out[out.length - 2] = '\r';
    out[out.length - 1] = '\n';
    return out;
  }

  /** {@code PORT CHANNEL SECONDS RATE FILE [LIMIT]}: prints {@code published deliveries nanos}. */
  public static void main(String[] args) throws Exception {
    List<byte[]> messages =
        java.nio.file.Files.readAllLines(java.nio.file.Path.of(args[4])).stream()
            .filter(l -> !l.isBlank())
            .map(l -> l.getBytes(StandardCharsets.UTF_8))
            .toList();
    long limit = args.length > 5 ? Long.parseLong(args[5]) : 0;
    Result r =
        publish(
            Integer.parseInt(args[0]),
            args[1],
            messages,
            Long.parseLong(args[2]),
            Long.parseLong(args[3]),
            limit);
    System.out.println(r.published() + " " + r.deliveries() + " " + r.nanos());
  }
}
