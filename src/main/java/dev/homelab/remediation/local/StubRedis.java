package dev.homelab.remediation.local;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Just enough of the Redis protocol (RESP2) for a subscriber to connect and subscribe: HELLO is
 * refused as by a Redis before 6 (the client falls back to RESP2), SUBSCRIBE is confirmed per
 * channel, PING answers PONG, anything else OK; {@link #publish} pushes a message to every
 * connection that subscribed to its channel. Used by {@code cds-train}, which must run on every
 * platform the image is built for (the embedded redis-server exists for linux-amd64 only).
 */
final class StubRedis implements AutoCloseable {
  private final ServerSocket server;
  private final Thread acceptor;
  private final List<Socket> clients = new ArrayList<>();
  private final List<Subscription> subscriptions = new ArrayList<>();

  /** A connection's channel, and its output, on which replies and pushes are written whole. */
  private record Subscription(String channel, OutputStream out) {}

  private StubRedis(ServerSocket server) {
    this.server = server;
    this.acceptor = new Thread(this::accept, "stub-redis");
    this.acceptor.setDaemon(true);
  }

  /** Listens on a free port of 127.0.0.1. */
  static StubRedis start() throws IOException {
    ServerSocket s = new ServerSocket();
    s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
    StubRedis stub = new StubRedis(s);
    stub.acceptor.start();
    return stub;
  }

  String url() {
    return "redis://127.0.0.1:" + server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket c = server.accept();
        synchronized (clients) {
          clients.add(c);
        }
        Thread t = new Thread(() -> serve(c, subscriptions), "stub-redis-client");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void serve(Socket c, List<Subscription> subscriptions) {
    OutputStream out = null;
    try (c;
        InputStream in = new BufferedInputStream(c.getInputStream())) {
      out = c.getOutputStream();
      List<String> cmd;
      while ((cmd = readCommand(in)) != null) {
        // Subscribed before it is confirmed: a PUBLISH right after the confirmation reaches it.
        if (!cmd.isEmpty() && cmd.get(0).equalsIgnoreCase("SUBSCRIBE")) {
          synchronized (subscriptions) {
            for (String channel : cmd.subList(1, cmd.size())) {
              subscriptions.add(new Subscription(channel, out));
            }
          }
        }
        synchronized (out) {
          out.write(answer(cmd).getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      }
    } catch (IOException e) {
      // the client went away
    } finally {
      OutputStream gone = out;
      synchronized (subscriptions) {
        subscriptions.removeIf(s -> s.out() == gone);
      }
    }
  }

  /**
   * Pushes {@code message} on {@code channel} to every connection subscribed to it, as Redis
   * delivers a PUBLISH.
   *
   * @return how many received it
   */
  int publish(String channel, String message) {
    byte[] push =
        ("*3\r\n" + bulk("message") + bulk(channel) + bulk(message))
            .getBytes(StandardCharsets.UTF_8);
    List<Subscription> to;
    synchronized (subscriptions) {
      to = new ArrayList<>(subscriptions);
    }
    int received = 0;
    for (Subscription s : to) {
      if (!s.channel().equals(channel)) {
        continue;
      }
      try {
        synchronized (s.out()) {
          s.out().write(push);
          s.out().flush();
        }
        received++;
      } catch (IOException e) {
        // that connection is going away
      }
    }
    return received;
  }

  static String answer(List<String> cmd) {
    String name = cmd.isEmpty() ? "" : cmd.get(0).toUpperCase(Locale.ROOT);
    switch (name) {
      case "HELLO":
        return "-ERR unknown command 'HELLO'\r\n";
      case "PING":
        return "+PONG\r\n";
      case "SUBSCRIBE":
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < cmd.size(); i++) {
          sb.append("*3\r\n").append(bulk("subscribe")).append(bulk(cmd.get(i)));
          sb.append(':').append(i).append("\r\n");
        }
        return sb.toString();
      default:
        return "+OK\r\n";
    }
  }

  private static String bulk(String s) {
    return "$" + s.getBytes(StandardCharsets.UTF_8).length + "\r\n" + s + "\r\n";
  }

  /** One command as a RESP array of bulk strings; null at the end of the stream. */
  static List<String> readCommand(InputStream in) throws IOException {
    String header = readLine(in);
    if (header == null) {
      return null;
    }
    if (!header.startsWith("*")) {
      return List.of(header.strip().split("\\s+")); // an inline command
    }
    int n = Integer.parseInt(header.substring(1));
    List<String> parts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String len = readLine(in);
      if (len == null || !len.startsWith("$")) {
        throw new IOException("expected a bulk string, got " + len);
      }
      byte[] b = in.readNBytes(Integer.parseInt(len.substring(1)) + 2);
      parts.add(new String(b, 0, Math.max(0, b.length - 2), StandardCharsets.UTF_8));
    }
    return parts;
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        int end = sb.length() > 0 && sb.charAt(sb.length() - 1) == '\r' ? 1 : 0;
        return sb.substring(0, sb.length() - end);
      }
      sb.append((char) b);
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    synchronized (clients) {
      for (Socket c : clients) {
        try {
          c.close();
        } catch (IOException e) {
          // closing anyway
        }
      }
    }
  }
}
