package dev.homelab.remediation.notify;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How one request of a {@link TargetWorker} went: through (2xx), or not, and then whether trying
 * again may help (5xx, 408, 429, a timeout, an I/O error) or not (another answer).
 */
record Attempt(boolean ok, boolean retryable, String detail) {

  /** One request, bounded by the timeout even when the receiver answers the headers and stalls. */
  static Attempt of(HttpClient http, HttpRequest request, Duration timeout) {
    CompletableFuture<HttpResponse<Void>> f =
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
    try {
      int code = f.get(timeout.toMillis() + 250, TimeUnit.MILLISECONDS).statusCode();
      if (code >= 200 && code < 300) {
        return new Attempt(true, false, "HTTP " + code);
      }
      boolean retry = code >= 500 || code == 408 || code == 429;
      return new Attempt(false, retry, "HTTP " + code);
    } catch (TimeoutException e) {
      f.cancel(true);
      return new Attempt(false, true, "timed out after " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof HttpTimeoutException) {
        return new Attempt(false, true, "timed out after " + timeout.toMillis() + " ms");
      }
      if (c instanceof ConnectException) {
        return new Attempt(false, true, "connection refused");
      }
      String what = c instanceof IOException ? "I/O error" : c.getClass().getSimpleName();
      return new Attempt(false, true, what + (c.getMessage() == null ? "" : ": " + c.getMessage()));
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      return new Attempt(false, false, "interrupted");
    }
  }
}
