package dev.homelab.remediation.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.homelab.remediation.util.HttpServers;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The model of {@code cds-train}: Ollama's {@code POST /api/chat}, answering every question with
 * the same valid proposal (restart, confidence 0.9, no human needed), so that the training run
 * takes the router's whole path: the provider's HTTP client, the schema, the policy.
 */
final class TrainingModel implements AutoCloseable {
  static final String ANSWER =
      "{\"action\":\"restart\",\"reason\":\"cds-train\",\"confidence\":0.9,"
          + "\"requires_human\":false}";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final AtomicInteger asked = new AtomicInteger();

  private TrainingModel(HttpServer server) {
    this.server = server;
  }

  /** Listens on a free port of 127.0.0.1. */
  static TrainingModel start() throws IOException {
    HttpServer s =
        HttpServers.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    TrainingModel model = new TrainingModel(s);
    s.createContext("/api/chat", model::answer);
    s.start();
    return model;
  }

  /** Ollama's base URL, as LLM_CHAIN names it. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** How many chats were answered. */
  int asked() {
    return asked.get();
  }

  private void answer(HttpExchange ex) throws IOException {
    try (ex) {
      ex.getRequestBody().readAllBytes();
      if (!"POST".equals(ex.getRequestMethod())) {
        ex.sendResponseHeaders(405, -1);
        return;
      }
      ObjectNode body = JSON.createObjectNode();
      body.put("model", "llama3.1:8b");
      body.put("created_at", Instant.now().toString());
      body.putObject("message").put("role", "assistant").put("content", ANSWER);
      body.put("done_reason", "stop");
      body.put("done", true);
      byte[] bytes = JSON.writeValueAsBytes(body);
      asked.incrementAndGet(); // before the answer is out: the run checks it once Dispatched
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
