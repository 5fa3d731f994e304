package dev.homelab.remediation.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Shared machinery of the fake notification receivers ({@link FakeWebhook}, {@link FakeNtfy},
 * {@link FakeAlertmanager}): a JDK {@link HttpServer} on 127.0.0.1 and a free port that records
 * every request to its one path and answers 200, an error status ({@link #answer}), or nothing at
 * all until it is closed ({@link #hang}). Other paths answer 404 and are recorded apart.
 */
public abstract class FakeReceiver implements AutoCloseable {
  protected static final ObjectMapper JSON = new ObjectMapper();

  /** One request the receiver's path got. */
  public record Request(
      String method, String path, Map<String, List<String>> headers, String body, long atNanos) {

    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("request body is not JSON: " + body, e);
      }
    }

    /** The first value of a header (case-insensitive name), or null. */
    public String header(String name) {
      for (Map.Entry<String, List<String>> h : headers.entrySet()) {
        if (h.getKey().equalsIgnoreCase(name) && !h.getValue().isEmpty()) {
          return h.getValue().get(0);
        }
      }
      return null;
    }
  }

  private final HttpServer server;
  private final ExecutorService handlers;
  private final String path;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<String> otherPaths = new CopyOnWriteArrayList<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile int status = 200;
  private volatile boolean hang;
  private volatile String retryAfter;

  protected FakeReceiver(String path) {
    this.path = path;
    try {
      server =
          dev.homelab.remediation.util.HttpServers.create(
              new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + getClass().getSimpleName(), e);
    }
    handlers =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, getClass().getSimpleName() + "-handler");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(handlers);
    server.createContext("/", this::handle);
    server.start();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String rootUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The receiver's path on it: what the operator is configured with. */
  public String url() {
    return rootUrl() + path;
  }

  /** From now on every request is answered with {@code status} (200 again: {@code answer(200)}). */
  public FakeReceiver answer(int status) {
    this.status = status;
    this.hang = false;
    this.retryAfter = null;
    return this;
  }

  /** From now on every request is answered with {@code status} and {@code Retry-After}. */
  public FakeReceiver answer(int status, String retryAfter) {
    answer(status);
    this.retryAfter = retryAfter;
    return this;
  }

  /** From now on no request is answered until the receiver is closed. */
  public FakeReceiver hang() {
    this.hang = true;
    return this;
  }

  /** Every request to the receiver's path, in order (answered or not). */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Paths other than the receiver's one that were requested. */
  public List<String> otherPaths() {
    return List.copyOf(otherPaths);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String p = ex.getRequestURI().getRawPath();
      if (!p.equals(path)) {
        otherPaths.add(p);
        ex.sendResponseHeaders(404, -1);
        return;
      }
      int answer = status; // read before the request is seen: a test may change it then
      String after = retryAfter;
      requests.add(
          new Request(
              ex.getRequestMethod(),
              p,
              Map.copyOf(ex.getRequestHeaders()),
              body,
              System.nanoTime()));
      if (hang) {
        try {
          closed.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return;
      }
      byte[] out = reply(answer).getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      if (after != null) {
        ex.getResponseHeaders().set("Retry-After", after);
      }
      ex.sendResponseHeaders(answer, out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        ex.getResponseBody().write(out);
      }
    }
  }

  /** The body answered with {@code status}. */
  protected String reply(int status) {
    return status == 200 ? "" : "{\"error\":\"fake " + status + "\"}";
  }

  @Override
  public void close() {
    closed.countDown();
    server.stop(0);
    handlers.shutdownNow();
  }
}
