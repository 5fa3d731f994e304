package dev.homelab.remediation.local;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A watch over plain HTTP, as kubectl makes it: a chunked response with one JSON watch event per
 * line. The Fabric8 CRUD dispatcher's watch writes its events to a {@link WebSocket}; this is one,
 * which turns each event into a line ({@link KubectlDispatcher#watchLine}: Tables when asked for,
 * events already in the client's list left out).
 */
final class HttpWatch implements WebSocket {
  private final RecordedRequest request;
  private final HttpServerResponse response;
  private final KubectlDispatcher dispatcher;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HttpWatch(
      RecordedRequest request, HttpServerResponse response, KubectlDispatcher dispatcher) {
    this.request = request;
    this.response = response;
    this.dispatcher = dispatcher;
  }

  static void stream(
      Vertx vertx,
      HttpServerRequest req,
      RecordedRequest request,
      MockResponse watch,
      KubectlDispatcher dispatcher) {
    HttpServerResponse response = req.response();
    response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/json");
    response.writeHead();
    HttpWatch socket = new HttpWatch(request, response, dispatcher);
    WebSocketListener listener = watch.getWebSocketListener();
    // The listener waits for its executor when closed: keep that off the event loop.
    Runnable closeListener =
        () -> CompletableFuture.runAsync(() -> listener.onClosed(socket, 1000, "closed"));
    response.closeHandler(
        v -> {
          socket.closed.set(true);
          closeListener.run();
        });
    long timeout = KubectlDispatcher.Target.of(request.getPath()).timeoutSeconds();
    if (timeout > 0) {
      vertx.setTimer(
          timeout * 1000,
          id -> {
            socket.close(1000, "timeout");
            closeListener.run();
          });
    }
    listener.onOpen(socket, watch);
  }

  @Override
  public RecordedRequest request() {
    return request;
  }

  @Override
  public boolean send(String text) {
    if (closed.get()) {
      return false;
    }
    String line = dispatcher.watchLine(request, text);
    if (line != null) {
      response.write(line + "\n");
    }
    return true;
  }

  @Override
  public boolean send(byte[] bytes) {
    return send(new String(bytes, StandardCharsets.UTF_8));
  }

  @Override
  public boolean close(int code, String reason) {
    if (closed.compareAndSet(false, true)) {
      try {
        response.end();
      } catch (IllegalStateException e) {
        // the client has gone already
      }
    }
    return true;
  }
}
