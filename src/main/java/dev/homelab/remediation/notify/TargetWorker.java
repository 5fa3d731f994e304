package dev.homelab.remediation.notify;

import dev.homelab.remediation.util.DaemonThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one target's notifications on its own thread, so a target that hangs or fails delays only
 * itself: at most {@code capacity} notifications wait (more are dropped and counted), each request
 * has {@code timeout}, and a failed one is tried again after a delay that doubles from {@code
 * retryInitial} (at most a minute), {@code attempts} times in all. A retry is scheduled, not slept,
 * so the next notification goes out meanwhile; a retry that a newer notification of the same
 * proposal overtook is given up ({@code superseded}), so a late "awaiting" never follows "decided".
 */
final class TargetWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TargetWorker.class);
  private static final Duration MAX_DELAY = Duration.ofMinutes(1);
  private static final int REMEMBERED = 4096;

  /** How one notification ended for this target; the metric's {@code result} tag in lower case. */
  enum Result {
    SENT,
    FAILED,
    RETRIED,
    DROPPED,
    SUPERSEDED
  }

  /** The outcome of one notification at this target. */
  record Outcome(String target, Result result, int attempts, String detail) {}

  /** One notification on its way; its request is built at the first attempt and reused. */
  private static final class Job {
    final Notification n;
    final long seq;
    final Consumer<Outcome> done;
    HttpRequest request;

    Job(Notification n, long seq, Consumer<Outcome> done) {
      this.n = n;
      this.seq = seq;
      this.done = done;
    }
  }

  private record Attempt(boolean ok, boolean retryable, String detail) {}

  private final NotificationTarget target;
  private final HttpClient http;
  private final Duration timeout;
  private final int attempts;
  private final Duration retryInitial;
  private final int capacity;
  private final Clock clock;
  private final BooleanSupplier fenced;
  private final ScheduledThreadPoolExecutor thread;
  private final AtomicInteger pending = new AtomicInteger();
  private final Map<Result, Counter> counters = new EnumMap<>(Result.class);
  private volatile boolean closed;

  /** The newest notification (its sequence number) tried per proposal uid, on the worker thread. */
  private final Map<String, Long> tried =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
          return size() > REMEMBERED;
        }
      };

  TargetWorker(
      NotificationTarget target,
      HttpClient http,
      Duration timeout,
      int attempts,
      Duration retryInitial,
      int capacity,
      Clock clock,
      MeterRegistry registry,
      BooleanSupplier fenced) {
    this.target = target;
    this.http = http;
    this.timeout = timeout;
    this.attempts = attempts;
    this.retryInitial = retryInitial;
    this.capacity = capacity;
    this.clock = clock;
    this.fenced = fenced;
    this.thread =
        new ScheduledThreadPoolExecutor(1, DaemonThreads.named("notify-" + target.name()));
    thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    thread.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    thread.setRemoveOnCancelPolicy(true);
    for (Result r : Result.values()) {
      counters.put(
          r,
          Counter.builder("remediation.notifications")
              .description("Notifications of the human loop, by target and result")
              .tag("target", target.name())
              .tag("result", r.name().toLowerCase(java.util.Locale.ROOT))
              .register(registry));
    }
    Gauge.builder("remediation.notification.queue", pending, AtomicInteger::get)
        .description("Notifications waiting to be sent, by target")
        .tag("target", target.name())
        .register(registry);
    target
        .refreshEvery()
        .ifPresent(
            every ->
                thread.scheduleWithFixedDelay(
                    this::refresh, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS));
  }

  String name() {
    return target.name();
  }

  /**
   * Queues {@code n}; never blocks. {@code done} is called once, on this worker's thread (or at
   * once when the notification is dropped).
   */
  void offer(Notification n, long seq, Consumer<Outcome> done) {
    Job job = new Job(n, seq, done);
    if (closed) {
      finish(job, Result.DROPPED, 0, "stopping");
      return;
    }
    if (pending.incrementAndGet() > capacity) {
      pending.decrementAndGet();
      finish(job, Result.DROPPED, 0, "queue full (" + capacity + " waiting)");
      return;
    }
    try {
      thread.execute(() -> attempt(job, 1));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      pending.decrementAndGet();
      finish(job, Result.DROPPED, 0, "stopping");
    }
  }

  private void attempt(Job job, int attempt) {
    if (closed || fenced.getAsBoolean()) {
      done(job, Result.DROPPED, attempt - 1, "stopping");
      return;
    }
    Long newest = tried.get(job.n.uid());
    if (newest != null && newest > job.seq) {
      done(job, Result.SUPERSEDED, attempt - 1, "a newer notification of the proposal went out");
      return;
    }
    tried.put(job.n.uid(), job.seq);
    Attempt a;
    try {
      if (job.request == null) {
        job.request = target.request(job.n, clock.instant());
      }
      a = send(job.request);
    } catch (RuntimeException e) {
      a = new Attempt(false, false, e.toString());
    }
    if (a.ok()) {
      done(job, Result.SENT, attempt, a.detail());
    } else if (!a.retryable() || attempt >= attempts) {
      LOG.atWarn()
          .addKeyValue("target", target.name())
          .addKeyValue("proposal", job.n.name())
          .addKeyValue("event", job.n.event().wire())
          .log("notification given up after {} attempts: {}", attempt, a.detail());
      done(job, Result.FAILED, attempt, a.detail());
    } else {
      counters.get(Result.RETRIED).increment();
      try {
        thread.schedule(() -> attempt(job, attempt + 1), delay(attempt), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        done(job, Result.DROPPED, attempt, "stopping");
      }
    }
  }

  private void refresh() {
    if (closed || fenced.getAsBoolean()) {
      return;
    }
    try {
      Optional<HttpRequest> r = target.refresh(clock.instant());
      if (r.isPresent()) {
        Attempt a = send(r.get());
        counters.get(a.ok() ? Result.SENT : Result.FAILED).increment();
        if (!a.ok()) {
          LOG.atWarn().addKeyValue("target", target.name()).log("refresh failed: {}", a.detail());
        }
      }
    } catch (RuntimeException e) {
      LOG.atWarn().addKeyValue("target", target.name()).log("refresh failed: {}", e.toString());
    }
  }

  /** One request, bounded by the timeout even when the receiver answers the headers and stalls. */
  private Attempt send(HttpRequest request) {
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

  /** Delay before attempt {@code attempt + 1}: retryInitial doubling, at most a minute. */
  long delay(int attempt) {
    long ms = retryInitial.toMillis() << Math.min(attempt - 1, 20);
    return Math.min(ms, MAX_DELAY.toMillis());
  }

  private void done(Job job, Result result, int tries, String detail) {
    pending.decrementAndGet();
    finish(job, result, tries, detail);
  }

  private void finish(Job job, Result result, int tries, String detail) {
    counters.get(result).increment();
    try {
      job.done.accept(new Outcome(target.name(), result, tries, detail));
    } catch (RuntimeException e) {
      LOG.atWarn()
          .addKeyValue("target", target.name())
          .log("outcome not recorded: {}", e.toString());
    }
  }

  /** True when the target refreshes what it sent (Alertmanager). */
  boolean refreshes() {
    return target.refreshEvery().isPresent();
  }

  /** Takes no more notifications; the ones queued are dropped, the request in flight finishes. */
  void stop() {
    closed = true;
    thread.shutdown();
  }

  /** Waits at most {@code grace} for the request in flight, then interrupts it. */
  void awaitStop(Duration grace) {
    try {
      if (!thread.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      thread.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
    awaitStop(timeout);
  }
}
