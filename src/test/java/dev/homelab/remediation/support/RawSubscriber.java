package dev.homelab.remediation.support;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline of the storm benchmarks: a subscriber that reads RESP from a plain socket and only
 * counts messages, i.e. the most Redis can deliver to one subscriber on this machine.
 */
public final class RawSubscriber implements AutoCloseable {
  private final Socket socket;
  private final Thread reader;
  private final AtomicLong messages = new AtomicLong();
  private volatile boolean lost;

  public RawSubscriber(int port, String channel) throws IOException {
    socket = new Socket();
    socket.setReceiveBufferSize(1 << 20);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    OutputStream out = socket.getOutputStream();
    byte[] c = channel.getBytes(StandardCharsets.UTF_8);
    out.write(
        ("*2\r\n$9\r\nSUBSCRIBE\r\n$" + c.length + "\r\n" + channel + "\r\n")
            .getBytes(StandardCharsets.UTF_8));
    out.flush();
    InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    readArray(in); // the subscribe confirmation
    reader = new Thread(() -> read(in), "raw-subscriber");
    reader.setDaemon(true);
    reader.start();
  }

  private void read(InputStream in) {
    try {
      while (true) {
        readArray(in);
        messages.incrementAndGet();
      }
    } catch (IOException e) {
      lost = true;
    }
  }

  /** Reads one array reply, skipping its elements. */
  private static void readArray(InputStream in) throws IOException {
    expect(in, '*');
    long n = number(in);
    for (long i = 0; i < n; i++) {
      int type = in.read();
      long len = number(in);
      if (type == '$') {
        skip(in, len + 2);
      } else if (type != ':') {
        throw new IOException("unexpected type " + type);
      }
    }
  }

  private static void expect(InputStream in, char c) throws IOException {
    int b = in.read();
    if (b != c) {
      throw new IOException("expected " + c + " got " + b);
    }
  }

  private static long number(InputStream in) throws IOException {
    long n = 0;
    for (int c = in.read(); c != '\r'; c = in.read()) {
      if (c < 0) {
        throw new IOException("closed");
      }
      n = n * 10 + (c - '0');
    }
    in.read();
    return n;
  }

  private static void skip(InputStream in, long n) throws IOException {
    while (n > 0) {
      long k = in.skip(n);
      if (k <= 0) {
        if (in.read() < 0) {
          throw new IOException("closed");
        }
        k = 1;
      }
      n -= k;
    }
  }

  public long messages() {
    return messages.get();
  }

  /** True when Redis closed the connection (e.g. past its pub/sub output buffer limit). */
  public boolean lost() {
    return lost;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
