package dev.homelab.remediation.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.homelab.remediation.util.DaemonThreads;
import dev.homelab.remediation.util.HttpServers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations endpoints on one port: {@code /healthz} (alive), {@code /readyz} (ready to work or
 * on standby) and {@code /metrics} (Prometheus text format).
 */
public final class OpsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);

  private final HttpServer server;
  private final ExecutorService executor;

  public OpsServer(
      String bindAddress,
      int port,
      Supplier<Check> liveness,
      Supplier<Check> readiness,
      MeterRegistry registry)
      throws IOException {
    server = HttpServers.create(new InetSocketAddress(bindAddress, port), 16);
    executor = Executors.newFixedThreadPool(2, DaemonThreads.named("ops-http"));
    server.setExecutor(executor);
    server.createContext("/healthz", ex -> check(ex, liveness.get()));
    server.createContext("/readyz", ex -> check(ex, readiness.get()));
    server.createContext(
        "/metrics",
        ex -> {
          if (registry instanceof PrometheusMeterRegistry prometheus) {
            send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", prometheus.scrape());
          } else {
            send(ex, 404, "text/plain; charset=utf-8", "metrics registry is not Prometheus\n");
          }
        });
  }

  public void start() {
    server.start();
    LOG.atInfo().addKeyValue("port", port()).log("serving /healthz, /readyz and /metrics");
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void check(HttpExchange ex, Check c) throws IOException {
    Check result = c == null ? Check.failing("no answer") : c;
    send(
        ex,
        result.ok() ? 200 : 503,
        "text/plain; charset=utf-8",
        (result.ok() ? "ok: " : "not ok: ") + result.detail() + "\n");
  }

  private static void send(HttpExchange ex, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    if ("HEAD".equals(ex.getRequestMethod())) {
      ex.sendResponseHeaders(status, -1);
      ex.close();
      return;
    }
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
