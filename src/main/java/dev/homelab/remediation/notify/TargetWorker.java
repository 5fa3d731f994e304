package dev.homelab.remediation.notify;

import dev.homelab.remediation.util.DaemonThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one target's notifications on its own thread, so a target that hangs or fails delays only
 * itself (docs/architecture.md, "Notifications"): at most {@code capacity} wait (more are dropped
 * and counted), each request has {@code timeout}, a failed one is tried again after a delay that
 * doubles from {@code retryInitial} (at most a minute), {@code attempts} times in all, scheduled,
 * not slept. A notification a newer one of its proposal overtook is given up ({@link Overtaking}).
 *
 * <p>One given up after a retryable failure is kept and tried again every {@code retryLater} while
 * it still matters ({@link Notification#worthUntil}): one request per period at most, the kept ones
 * in order until the first that fails; at most {@code capacity} kept, a newer notification of the
 * proposal or its deletion replacing its entry. A 429 or 503 with {@code Retry-After} holds the
 * target ({@link Hold}): nothing goes to it until then; what is due waits, or is kept for later if
 * the end is over a minute away. Stopping reports what still waits as dropped.
 */
final class TargetWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TargetWorker.class);
  private static final Duration MAX_DELAY = Duration.ofMinutes(1);

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
  private final Map<Result, Counter> counters;
  private volatile boolean closed;

  /** Notifications given up, kept to be tried again later, by proposal uid; worker thread only. */
  private final Map<String, TargetJob> later = new LinkedHashMap<>();

  private final Hold hold = new Hold();
  private final Overtaking overtaking = new Overtaking();

  /** Jobs scheduled for later (a backoff, a hold), reported dropped if the worker stops first. */
  private final Set<TargetJob> waiting = new HashSet<>();

  TargetWorker(
      NotificationTarget target,
      HttpClient http,
      Duration timeout,
      int attempts,
      Duration retryInitial,
      Duration retryLater,
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
    counters = TargetMeters.register(target.name(), pending, registry);
    target
        .refreshEvery()
        .ifPresent(
            every ->
                thread.scheduleWithFixedDelay(
                    this::refresh, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS));
    thread.scheduleWithFixedDelay(
        this::retryLater, retryLater.toMillis(), retryLater.toMillis(), TimeUnit.MILLISECONDS);
  }

  String name() {
    return target.name();
  }

  /**
   * Queues {@code n}; never blocks. {@code done} is called once, on this worker's thread (or at
   * once when the notification is dropped).
   */
  void offer(Notification n, long seq, Consumer<Outcome> done) {
    enqueue(
        new TargetJob(
            n.uid(),
            n.name(),
            n.event().wire(),
            seq,
            now -> Optional.of(target.request(n, now)),
            n.worthUntil(),
            done));
  }

  /**
   * The proposal {@code uid} was deleted: what the target still shows of it is taken back ({@link
   * NotificationTarget#withdraw}), and its notifications still on their way or kept for later are
   * given up. No outcome is reported.
   */
  void withdraw(String uid, long seq) {
    overtaking.notQueued(uid, seq);
    enqueue(
        new TargetJob(uid, uid, "deleted", seq, now -> target.withdraw(uid, now), null, o -> {}));
  }

  /**
   * The proposal {@code uid} was deleted, the target shows nothing of it: what is on its way or
   * kept for later is given up, without a place in the queue.
   */
  void forget(String uid, long seq) {
    overtaking.notQueued(uid, seq);
  }

  private void enqueue(TargetJob job) {
    if (closed) {
      finish(job, Result.DROPPED, 0, "stopping");
      return;
    }
    if (pending.incrementAndGet() > capacity) {
      pending.decrementAndGet();
      // Still newer than what is kept or queued of its proposal: known at once, not after the
      // queue, so a kept "awaiting" never goes out after the "decided" that could not be queued.
      overtaking.notQueued(job.uid, job.seq);
      if (!Notification.Event.AWAITING_APPROVAL.wire().equals(job.event)) {
        target.forgetWaiting(job.uid); // nor is an alert of it left refreshed for a day
      }
      finish(job, Result.DROPPED, 0, "queue full (" + capacity + " waiting)");
      return;
    }
    schedule(job, 1, 0);
  }

  private void attempt(TargetJob job, int attempt) {
    if (closed || fenced.getAsBoolean()) {
      done(job, Result.DROPPED, attempt - 1, "stopping");
      return;
    }
    if (overtaking.overtaken(job)) {
      done(job, Result.SUPERSEDED, attempt - 1, "overtaken by a newer notification or a deletion");
      return;
    }
    overtaking.tried(job);
    later.remove(job.uid); // an older one kept for later: this one replaces it
    if (held(job, attempt)) {
      return;
    }
    job.tries = attempt;
    Attempt a;
    try {
      HttpRequest request = job.requestAt(clock.instant());
      if (request == null) {
        pending.decrementAndGet(); // nothing to send (a withdrawal of nothing shown)
        return;
      }
      a = send(request);
    } catch (RuntimeException e) {
      a = new Attempt(false, false, e.toString());
    }
    if (a.ok()) {
      done(job, Result.SENT, attempt, a.detail());
    } else if (!a.retryable() || attempt >= attempts) {
      giveUp(job, attempt, a.detail(), a.retryable());
    } else {
      counters.get(Result.RETRIED).increment();
      schedule(job, attempt + 1, delay(attempt));
    }
  }

  /** Attempt {@code attempt} of {@code job} in {@code millis}; dropped when the worker stops. */
  private void schedule(TargetJob job, int attempt, long millis) {
    try {
      if (millis <= 0) {
        thread.execute(() -> attempt(job, attempt));
        return;
      }
      thread.schedule(
          () -> {
            if (waiting.remove(job)) {
              attempt(job, attempt);
            }
          },
          millis,
          TimeUnit.MILLISECONDS);
      waiting.add(job); // on the worker thread, before the task can run on it
    } catch (java.util.concurrent.RejectedExecutionException e) {
      done(job, Result.DROPPED, attempt - 1, "stopping");
    }
  }

  /** On stop: what waits for a backoff or a hold is reported dropped (its timer is cancelled). */
  private void dropWaiting() {
    for (TargetJob job : List.copyOf(waiting)) {
      waiting.remove(job);
      done(job, Result.DROPPED, job.tries, "stopping");
    }
  }

  /** Under a Retry-After: waits for its end (a minute at most), else kept for later; true if so. */
  private boolean held(TargetJob job, int attempt) {
    Duration left = hold.remaining();
    if (left.isZero()) {
      return false;
    }
    if (left.compareTo(MAX_DELAY) <= 0) {
      job.rebuild = true; // Alertmanager's endsAt must be ahead of the hold's end
      schedule(job, attempt, left.toMillis() + 1);
      return true;
    }
    try { // what the target keeps of its proposals follows (Alertmanager's refresh, a withdrawal)
      job.build.apply(clock.instant());
    } catch (RuntimeException e) { // sent later or not at all: nothing more to do now
    }
    giveUp(job, attempt - 1, "Retry-After: " + left.toSeconds() + " s more to wait", true);
    return true;
  }

  /** Records {@code job} failed after {@code tries}, kept for later when it may still go. */
  private void giveUp(TargetJob job, int tries, String detail, boolean retryable) {
    boolean keep = retryable && keepForLater(job);
    LOG.atWarn()
        .addKeyValue("target", target.name())
        .addKeyValue("proposal", job.name)
        .addKeyValue("event", job.event)
        .log(
            "notification given up after {} attempts{}: {}",
            tries,
            keep ? " (tried again later)" : "",
            detail);
    done(job, Result.FAILED, tries, detail);
  }

  /** Keeps {@code job} to be tried again later, if it still matters and there is room. */
  private boolean keepForLater(TargetJob job) {
    if (job.retryUntil == null || !clock.instant().isBefore(job.retryUntil)) {
      return false;
    }
    if (later.size() >= capacity) {
      LOG.atWarn()
          .addKeyValue("target", target.name())
          .log("{} notifications kept for later already: this one is not", later.size());
      return false;
    }
    later.put(job.uid, job);
    return true;
  }

  /**
   * Tries the notifications kept for later, in order, and stops at the first that fails: at most
   * one request per period to a receiver that is still down. One that gets through is reported
   * (sent); one overtaken, past its time or refused is forgotten.
   */
  private void retryLater() {
    Instant now = clock.instant();
    if (closed || fenced.getAsBoolean() || later.isEmpty() || !hold.remaining().isZero()) {
      return;
    }
    for (Iterator<TargetJob> it = later.values().iterator(); it.hasNext(); ) {
      TargetJob job = it.next();
      if (overtaking.overtaken(job) || !now.isBefore(job.retryUntil)) {
        it.remove();
        continue;
      }
      job.tries++;
      Attempt a;
      try {
        a = send(job.build.apply(now).orElseThrow());
      } catch (RuntimeException e) {
        a = new Attempt(false, false, e.toString());
      }
      if (a.ok()) {
        it.remove();
        finish(job, Result.SENT, job.tries, a.detail());
        continue;
      }
      counters.get(Result.RETRIED).increment();
      it.remove();
      if (a.retryable()) {
        // To the back: one that keeps failing for its own sake does not hold the others up.
        later.put(job.uid, job);
      }
      return;
    }
  }

  private void refresh() {
    if (closed || fenced.getAsBoolean() || !hold.remaining().isZero()) {
      return;
    }
    Attempt a;
    try {
      a = target.refresh(clock.instant()).map(this::send).orElse(null);
    } catch (RuntimeException e) {
      a = new Attempt(false, false, e.toString());
    }
    if (a != null) {
      counters.get(a.ok() ? Result.SENT : Result.FAILED).increment();
      if (!a.ok()) {
        LOG.atWarn().addKeyValue("target", target.name()).log("refresh failed: {}", a.detail());
      }
    }
  }

  private Attempt send(HttpRequest request) {
    Attempt a = Attempt.of(http, request, timeout, clock);
    hold.askedBy(a);
    return a;
  }

  /** Delay before attempt {@code attempt + 1}: retryInitial doubling, at most a minute. */
  long delay(int attempt) {
    long ms = retryInitial.toMillis() << Math.min(attempt - 1, 20);
    return Math.min(ms, MAX_DELAY.toMillis());
  }

  private void done(TargetJob job, Result result, int tries, String detail) {
    pending.decrementAndGet();
    finish(job, result, tries, detail);
  }

  private void finish(TargetJob job, Result result, int tries, String detail) {
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
    if (!thread.isShutdown()) {
      thread.execute(this::dropWaiting); // no delay: it runs after shutdown, the timers do not
    }
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
