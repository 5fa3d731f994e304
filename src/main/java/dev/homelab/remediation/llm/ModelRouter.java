package dev.homelab.remediation.llm;

import dev.homelab.remediation.decision.ModelOutcome;
import dev.homelab.remediation.decision.RouterView;
import dev.homelab.remediation.decision.SafetyPolicy;
import dev.homelab.remediation.util.DaemonThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs model consultations off the reconciler threads, at most {@code concurrency} at once (a
 * homelab's Ollama answers one request at a time). Waiting work is ordered by severity, then age,
 * so a storm on one service cannot delay a critical event elsewhere. Results are kept until the
 * reconciler has stored them in the proposal's status, or when nobody claims them (the proposal was
 * deleted meanwhile, or its status cannot be written: the API server down, after its files were
 * written) an answer for {@link #KEEP_UNCLAIMED}, a failed chain for {@link #KEEP}; a claimed key
 * is remembered as claimed for {@link #KEEP}, so a reconcile that still sees the old phase in a
 * lagging cache does not ask again. Both records are bounded by {@link #MAX_KEPT} entries.
 */
public final class ModelRouter implements Router {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRouter.class);

  /**
   * How long an unclaimed result, or the memory of a claimed one, is kept: longer than the
   * reconcile retry's default maximum (5 min), so an API outage does not make the model be asked
   * again for an answer it gave.
   */
  public static final java.time.Duration KEEP = java.time.Duration.ofMinutes(10);

  /**
   * How long a result nobody claimed is kept: an answer whose files are on the node while its
   * status cannot be written (an API server down for longer than {@link #KEEP}) must be the one
   * recorded when it can, not a new answer that may differ from what the executor ran.
   */
  public static final java.time.Duration KEEP_UNCLAIMED = java.time.Duration.ofHours(24);

  /** At most this many unclaimed results and claimed keys each. */
  public static final int MAX_KEPT = 4096;

  private static final long SWEEP_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
  private final LongSupplier nanos;
  private final AtomicLong nextSweepNanos;

  private record Job(
      String key, ProposalRequest request, int rank, Instant age, long seq, long queuedNanos) {}

  private record Kept<T>(T value, long atNanos, Instant at) {}

  private final ModelChain chain;
  private final java.time.Clock clock;
  private final PriorityBlockingQueue<Job> queue;
  private final Map<String, Job> pending = new ConcurrentHashMap<>();
  private final Map<String, Kept<ChainResult>> results = new ConcurrentHashMap<>();
  private final Map<String, Kept<Boolean>> claimed = new ConcurrentHashMap<>();
  private final ExecutorService workers;
  private final AtomicLong seq = new AtomicLong();
  private final MeterRegistry registry;
  private final Counter chainFailures;
  private volatile Consumer<String> onResult = key -> {};
  private volatile boolean closed;

  public ModelRouter(ModelChain chain, int concurrency, MeterRegistry registry) {
    this(chain, concurrency, registry, java.time.Clock.systemUTC());
  }

  /** With the clock that dates each answer (status.proposal.answeredAt). */
  public ModelRouter(
      ModelChain chain, int concurrency, MeterRegistry registry, java.time.Clock clock) {
    this(chain, concurrency, registry, clock, System::nanoTime);
  }

  /** With the monotonic clock that ages kept results and claims (tests move it on). */
  ModelRouter(
      ModelChain chain,
      int concurrency,
      MeterRegistry registry,
      java.time.Clock clock,
      LongSupplier nanos) {
    this.nanos = nanos;
    this.nextSweepNanos = new AtomicLong(nanos.getAsLong());
    this.clock = clock;
    this.chain = chain;
    this.registry = registry;
    this.queue =
        new PriorityBlockingQueue<>(
            64,
            Comparator.comparingInt(Job::rank).thenComparing(Job::age).thenComparingLong(Job::seq));
    this.workers = Executors.newFixedThreadPool(concurrency, DaemonThreads.named("model-router"));
    for (int i = 0; i < concurrency; i++) {
      workers.execute(this::work);
    }
    this.chainFailures =
        Counter.builder("remediation.model.chain.failures")
            .description("Consultations where every model of the chain failed")
            .register(registry);
  }

  /** Called with the job key whenever a result is ready (used to trigger a reconcile). */
  @Override
  public void onResult(Consumer<String> listener) {
    this.onResult = listener;
  }

  /** Severity rank: lower runs first. */
  public static int rank(String severity) {
    if (severity == null) {
      return 2;
    }
    return switch (severity.toLowerCase(Locale.ROOT)) {
      case "critical", "fatal", "emergency" -> 0;
      case "error", "high" -> 1;
      case "info", "low", "debug" -> 3;
      default -> 2;
    };
  }

  /**
   * Queues a consultation unless one for the same key is queued, running or has an unclaimed
   * result. Returns true when it was queued now.
   */
  @Override
  public boolean submit(String key, ProposalRequest request, String severity, Instant age) {
    if (closed || results.containsKey(key)) {
      return false;
    }
    Job job = new Job(key, request, rank(severity), age, seq.incrementAndGet(), nanos.getAsLong());
    if (pending.putIfAbsent(key, job) != null) {
      return false;
    }
    claimed.remove(key);
    queue.add(job);
    return true;
  }

  /** True while a consultation for this key is queued or running. */
  @Override
  public boolean busy(String key) {
    return pending.containsKey(key);
  }

  /** The result for this key, if the consultation has finished and it was not claimed yet. */
  public Optional<ChainResult> result(String key) {
    Kept<ChainResult> k = results.get(key);
    return k == null ? Optional.empty() : Optional.of(k.value());
  }

  /** What the router knows of this key, for the phase machine. */
  @Override
  public RouterView view(String key) {
    // Read in the order the states follow one another (pending, then a result, then a claim:
    // each is stored before the one before it is removed), so a read between two never misses
    // both and reports Idle for a consultation still going on.
    Job job = pending.get(key);
    Kept<ChainResult> k = results.get(key);
    if (k != null) {
      return new RouterView.Done(outcome(k.value()), k.at());
    }
    if (job != null) {
      return new RouterView.Busy(java.time.Duration.ofNanos(nanos.getAsLong() - job.queuedNanos()));
    }
    Kept<Boolean> c = claimed.get(key);
    if (c != null && nanos.getAsLong() - c.atNanos() < KEEP.toNanos()) {
      return c.value() ? new RouterView.Claimed(c.at()) : RouterView.CLAIMED;
    }
    return RouterView.IDLE;
  }

  /** Forgets a result once it is stored in the proposal's status. */
  @Override
  public void claimed(String key) {
    Kept<ChainResult> r = results.get(key);
    // Remembered with the time of the answer, if it was one: the cooldown of the proposal's
    // siblings reads it while the cache does not show the stored answer yet. The claim is stored
    // before the result goes, so a view in between sees one or the other.
    boolean answered = r != null && r.value() instanceof ChainResult.Answered && r.at() != null;
    claimed.put(key, new Kept<>(answered, nanos.getAsLong(), answered ? r.at() : null));
    results.remove(key);
    prune(claimed);
  }

  /** Unclaimed results plus remembered claims (bounded by 2 x {@link #MAX_KEPT}). */
  public int kept() {
    return results.size() + claimed.size();
  }

  static ModelOutcome outcome(ChainResult r) {
    if (r instanceof ChainResult.Answered a) {
      ModelAnswer m = a.answer();
      return new ModelOutcome.Answered(
          new SafetyPolicy.Answer(
              m.action(), m.reason(), m.confidence(), m.requiresHuman(), m.target(), m.model()),
          a.failures());
    }
    return new ModelOutcome.Failed(r.failures());
  }

  /**
   * Drops results older than {@link #KEEP_UNCLAIMED} and claims older than {@link #KEEP} (a sweep
   * of both maps at most once a second: sweeping on every result and claim walked up to {@link
   * #MAX_KEPT} entries each time, the operator's busiest code in a burst of distinct incidents),
   * then the oldest while over {@link #MAX_KEPT}.
   */
  private <T> void prune(Map<String, Kept<T>> map) {
    long now = nanos.getAsLong();
    long due = nextSweepNanos.get();
    if (now - due >= 0 && nextSweepNanos.compareAndSet(due, now + SWEEP_EVERY_NANOS)) {
      // A failed chain is kept as briefly as a claim: no files hang on it, and asking afresh is
      // better than recording it an outage later.
      results
          .entrySet()
          .removeIf(
              e ->
                  now - e.getValue().atNanos()
                      >= (e.getValue().value() instanceof ChainResult.Answered
                          ? KEEP_UNCLAIMED.toNanos()
                          : KEEP.toNanos()));
      claimed.entrySet().removeIf(e -> now - e.getValue().atNanos() >= KEEP.toNanos());
    }
    while (map.size() > MAX_KEPT) {
      map.entrySet().stream()
          .min(java.util.Comparator.comparingLong(e -> e.getValue().atNanos()))
          .ifPresent(e -> map.remove(e.getKey(), e.getValue()));
    }
  }

  public int queued() {
    return queue.size();
  }

  private void work() {
    while (!closed) {
      Job job;
      try {
        job = queue.poll(500, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (job == null) {
        continue;
      }
      ChainResult result;
      Timer.Sample sample = Timer.start(registry);
      try {
        result = chain.ask(job.request());
      } catch (RuntimeException | Error e) {
        // Never lose the job: a failed result sends the proposal to Failed and its retries.
        LOG.error("model chain threw; counting it as a failed consultation", e);
        result = new ChainResult.Failed(java.util.List.of("router: " + e));
      }
      String outcome = result instanceof ChainResult.Answered ? "answered" : "failed";
      String model = result instanceof ChainResult.Answered a ? a.answer().model() : "none";
      sample.stop(
          Timer.builder("remediation.model.consultations")
              .description("Walks of the model chain: latency by outcome and answering model")
              .tag("outcome", outcome)
              .tag("model", model)
              .register(registry));
      if (result instanceof ChainResult.Answered a) {
        Counter.builder("remediation.model.calls")
            .description("Model answers accepted, by model")
            .tag("model", a.answer().model())
            .register(registry)
            .increment();
        for (String f : a.failures()) {
          modelFailure(f);
        }
      } else if (result instanceof ChainResult.Failed f) {
        chainFailures.increment();
        f.failures().forEach(this::modelFailure);
      }
      results.put(job.key(), new Kept<>(result, nanos.getAsLong(), clock.instant()));
      prune(results);
      pending.remove(job.key());
      try {
        onResult.accept(job.key());
      } catch (RuntimeException e) {
        LOG.warn("result listener failed", e);
      }
    }
  }

  private void modelFailure(String failure) {
    int colon = failure.indexOf(": ");
    String model = colon < 0 ? "unknown" : failure.substring(0, colon);
    Counter.builder("remediation.model.failures")
        .description("Models of the chain that failed to give a valid answer, by model")
        .tag("model", model)
        .register(registry)
        .increment();
  }

  @Override
  public void close() {
    closed = true;
    workers.shutdownNow();
    try {
      workers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
