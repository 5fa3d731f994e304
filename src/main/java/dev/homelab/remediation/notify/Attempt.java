package dev.homelab.remediation.notify;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * How one request of a {@link TargetWorker} went: through (2xx), or not, and then whether trying
 * again may help (5xx, 408, 429, a timeout, an I/O error) or not (another answer); with a 429 or a
 * 503, how long the receiver asked to be left alone ({@code Retry-After}, seconds or an HTTP date),
 * else null.
 */
record Attempt(boolean ok, boolean retryable, String detail, Duration retryAfter) {

  Attempt(boolean ok, boolean retryable, String detail) {
    this(ok, retryable, detail, null);
  }

  /** One request, bounded by the timeout even when the receiver answers the headers and stalls. */
  static Attempt of(HttpClient http, HttpRequest request, Duration timeout, Clock clock) {
    CompletableFuture<HttpResponse<Void>> f =
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
    try {
      HttpResponse<Void> r = f.get(timeout.toMillis() + 250, TimeUnit.MILLISECONDS);
      int code = r.statusCode();
      if (code >= 200 && code < 300) {
        return new Attempt(true, false, "HTTP " + code);
      }
      boolean retry = code >= 500 || code == 408 || code == 429;
      Duration after = code == 429 || code == 503 ? retryAfter(r.headers(), clock.instant()) : null;
      String detail =
          "HTTP " + code + (after == null ? "" : ", Retry-After " + after.toSeconds() + " s");
      return new Attempt(false, retry, detail, after);
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

  /** The three HTTP date forms a recipient must read (RFC 9110 §5.6.7), after the weekday. */
  private static final List<DateTimeFormatter> HTTP_DATES =
      Stream.of(
              "d MMM yyyy HH:mm:ss 'GMT'", // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
              "dd-MMM-yy HH:mm:ss 'GMT'", // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
              "MMM ppd HH:mm:ss yyyy") // asctime: Sun Nov  6 08:49:37 1994
          .map(
              p ->
                  new DateTimeFormatterBuilder()
                      .parseCaseInsensitive()
                      .appendPattern(p)
                      .toFormatter(Locale.ROOT))
          .toList();

  /**
   * {@code Retry-After} (RFC 9110 §10.2.3): a number of seconds, or an HTTP date taken against
   * {@code now} (when the answer came); null when absent or neither (then the usual backoff
   * applies), zero for a date past.
   */
  static Duration retryAfter(HttpHeaders headers, Instant now) {
    String v = headers.firstValue("Retry-After").map(String::strip).orElse("");
    if (v.isEmpty()) {
      return null;
    }
    if (v.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
      String digits = v.replaceFirst("^0+(?=.)", "");
      return digits.length() > 9
          ? Duration.ofSeconds(999_999_999)
          : Duration.ofSeconds(Long.parseLong(digits));
    }
    int comma = v.indexOf(", ");
    String date = comma > 0 ? v.substring(comma + 2) : v.substring(v.indexOf(' ') + 1);
    for (DateTimeFormatter f : HTTP_DATES) {
      try {
        Instant at = LocalDateTime.parse(date, f).toInstant(ZoneOffset.UTC);
        return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
      } catch (DateTimeParseException e) {
        // the next form
      }
    }
    return null;
  }
}
