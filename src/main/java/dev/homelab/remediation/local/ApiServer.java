package dev.homelab.remediation.local;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.vertx.ServerWebSocketHandler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP side of local mode's API server, on 127.0.0.1: each request goes to the {@link
 * KubectlDispatcher}, as the Fabric8 mock web server would send it; watches are served over
 * WebSocket (Fabric8 clients, the operator) as the mock server does, and also over plain HTTP as a
 * stream of JSON lines ({@link HttpWatch}), which the mock server cannot do and {@code kubectl get
 * -w} needs.
 */
final class ApiServer implements AutoCloseable {
  private static final List<String> SUB_PROTOCOLS =
      List.of("v1.channel.k8s.io", "v2.channel.k8s.io", "v3.channel.k8s.io", "v4.channel.k8s.io");

  private final Vertx vertx;
  private final HttpServer http;

  private ApiServer(Vertx vertx, HttpServer http) {
    this.vertx = vertx;
    this.http = http;
  }

  /**
   * @throws LocalStartException when it cannot listen on the port
   */
  static ApiServer start(KubectlDispatcher dispatcher, int port) {
    Vertx vertx = Vertx.vertx();
    HttpServer http =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost("127.0.0.1")
                .setPort(port)
                .setWebSocketSubProtocols(SUB_PROTOCOLS)
                .setHandle100ContinueAutomatically(true));
    http.requestHandler(req -> handle(vertx, dispatcher, req));
    try {
      http.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      vertx.close();
      throw new LocalStartException(
          "cannot start the Kubernetes API on 127.0.0.1:"
              + port
              + ": "
              + LocalCluster.rootMessage(e)
              + " (choose another port with --api-port or LOCAL_API_PORT)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      vertx.close();
      throw new LocalStartException("interrupted while starting the Kubernetes API");
    }
    return new ApiServer(vertx, http);
  }

  private static void handle(Vertx vertx, KubectlDispatcher dispatcher, HttpServerRequest req) {
    Future<Buffer> body = hasBody(req) ? req.body() : Future.succeededFuture(null);
    body.onFailure(err -> fail(req, err));
    body.onSuccess(
        b -> {
          RecordedRequest request =
              new RecordedRequest(
                  req.version().alpnName().toUpperCase(Locale.ROOT),
                  HttpMethod.fromVertx(req.method()),
                  req.uri(),
                  new Headers.Builder().addAll(req.headers()).build(),
                  new io.fabric8.mockwebserver.http.Buffer(b == null ? null : b.getBytes()));
          MockResponse response;
          try {
            response = dispatcher.dispatch(request);
          } catch (RuntimeException e) {
            response = KubectlDispatcher.status(500, "InternalError", e.toString());
          }
          if (response.getWebSocketListener() != null) {
            if ("websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
              MockResponse upgrade = response;
              req.toWebSocket()
                  .onSuccess(ws -> new ServerWebSocketHandler(request, upgrade).handle(ws))
                  .onFailure(err -> fail(req, err));
            } else {
              HttpWatch.stream(vertx, req, request, response, dispatcher);
            }
            return;
          }
          HttpServerResponse out = req.response().setStatusCode(response.code());
          response.getHeaders().toMultimap().forEach((k, values) -> out.headers().add(k, values));
          if (response.getBody() != null && response.getBody().size() > 0) {
            out.end(Buffer.buffer(response.getBody().getBytes()));
          } else {
            out.end();
          }
        });
  }

  private static boolean hasBody(HttpServerRequest req) {
    String length = req.getHeader("Content-Length");
    if (length != null && !length.isBlank()) {
      try {
        return Long.parseLong(length.trim()) > 0;
      } catch (NumberFormatException e) {
        return true;
      }
    }
    return req.headers().contains("Content-Type") || req.headers().contains("Transfer-Encoding");
  }

  private static void fail(HttpServerRequest req, Throwable err) {
    if (!req.response().headWritten()) {
      req.response()
          .setStatusCode(500)
          .end(KubectlDispatcher.statusJson(500, "InternalError", err.toString()));
    }
  }

  @Override
  public void close() {
    try {
      http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot stop the Kubernetes API: " + LocalCluster.rootMessage(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
