package dev.homelab.remediation.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shared machinery of the fake LLM servers: a JDK {@link HttpServer} on 127.0.0.1 and a free port,
 * one chat endpoint, a queue of scripted {@link FakeReply replies} (then the default reply), and a
 * record of every request. Each request is handled on its own thread, so a delayed reply does not
 * hold up the next request. Any other path answers 404 and is not counted.
 */
public abstract class FakeLlmServer implements AutoCloseable {

  protected static final ObjectMapper JSON = new ObjectMapper();

  /** One request the chat endpoint received. */
  public record Recorded(
      String method, String path, Map<String, List<String>> headers, String body) {

    /** The body as JSON. */
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("request body is not JSON: " + body, e);
      }
    }

    /** The first value of a request header (case-insensitive name), or null. */
    public String header(String name) {
      for (Map.Entry<String, List<String>> h : headers.entrySet()) {
        if (h.getKey().equalsIgnoreCase(name) && !h.getValue().isEmpty()) {
          return h.getValue().get(0);
        }
      }
      return null;
    }

    /** The request's {@code model} field. */
    public String model() {
      return json().path("model").asText(null);
    }

    /**
     * The text of the first message with this role ({@code system}, {@code user}), whether the
     * content is a string or a list of text parts; null when there is none.
     */
    public String message(String role) {
      for (JsonNode m : json().path("messages")) {
        if (role.equals(m.path("role").asText())) {
          JsonNode content = m.path("content");
          if (content.isTextual()) {
            return content.asText();
          }
          StringBuilder sb = new StringBuilder();
          for (JsonNode part : content) {
            sb.append(part.path("text").asText(""));
          }
          return sb.toString();
        }
      }
      return null;
    }
  }

  private final HttpServer server;
  private final ExecutorService handlers;
  private final String chatPath;
  private final Queue<FakeReply> script = new ConcurrentLinkedQueue<>();
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger calls = new AtomicInteger();
  private volatile FakeReply defaultReply = FakeReply.status(500, "no reply scripted");

  protected FakeLlmServer(String chatPath) {
    this.chatPath = chatPath;
    try {
      server =
          dev.homelab.remediation.util.HttpServers.create(
              new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start fake LLM server", e);
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

  /** {@code http://127.0.0.1:<port>}, without a path. */
  public String rootUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The URL to put in LLM_CHAIN after the {@code @}. */
  public abstract String baseUrl();

  /** Adds replies to the script; each request takes the next one. */
  public FakeLlmServer enqueue(FakeReply... replies) {
    script.addAll(List.of(replies));
    return this;
  }

  /** Adds a 200 reply with this assistant text. */
  public FakeLlmServer enqueue(String content) {
    return enqueue(FakeReply.content(content));
  }

  /** The reply once the script is used up (initially: 500 "no reply scripted"). */
  public FakeLlmServer setDefault(FakeReply reply) {
    this.defaultReply = reply;
    return this;
  }

  /** How many requests reached the chat endpoint. */
  public int calls() {
    return calls.get();
  }

  /** Every request to the chat endpoint, in arrival order. */
  public List<Recorded> requests() {
    return new ArrayList<>(requests);
  }

  /** The latest request to the chat endpoint; fails when there was none. */
  public Recorded lastRequest() {
    if (requests.isEmpty()) {
      throw new IllegalStateException("no request received");
    }
    return requests.get(requests.size() - 1);
  }

  /** The body of a 200 reply carrying {@code content}, in the provider's format. */
  protected abstract String successBody(String model, String content, int sequence);

  /** The body of an error reply, in the provider's format. */
  protected abstract String errorBody(int status, String message);

  private void handle(HttpExchange exchange) {
    try {
      String body;
      try (InputStream in = exchange.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      String path = exchange.getRequestURI().getPath();
      if (!"POST".equals(exchange.getRequestMethod()) || !chatPath.equals(path)) {
        send(exchange, 404, "{\"error\":\"not found: " + path + "\"}");
        return;
      }
      int sequence = calls.incrementAndGet();
      Recorded recorded =
          new Recorded(
              exchange.getRequestMethod(), path, Map.copyOf(exchange.getRequestHeaders()), body);
      requests.add(recorded);
      FakeReply reply = script.poll();
      if (reply == null) {
        reply = defaultReply;
      }
      if (!reply.delay().isZero()) {
        try {
          Thread.sleep(reply.delay().toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      String model = JSON.readTree(body.isEmpty() ? "{}" : body).path("model").asText("fake");
      if (reply.status() == 200) {
        send(exchange, 200, successBody(model, reply.content(), sequence));
      } else {
        send(exchange, reply.status(), errorBody(reply.status(), reply.content()));
      }
    } catch (IOException e) {
      // The client gave up (timeout) and closed the connection: nothing to answer.
    } finally {
      exchange.close();
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  protected static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the server at once; requests still waiting on a delay are abandoned. */
  @Override
  public void close() {
    server.stop(0);
    handlers.shutdownNow();
  }
}
