package dev.homelab.remediation.runtime;

import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.ingest.BookLimits;
import dev.homelab.remediation.ingest.EventParser;
import dev.homelab.remediation.ingest.IncidentBook;
import dev.homelab.remediation.ingest.IntakeMetrics;
import dev.homelab.remediation.ingest.IntakePipeline;
import dev.homelab.remediation.ingest.KubernetesProposalStore;
import dev.homelab.remediation.ingest.ProposalWatch;
import dev.homelab.remediation.ingest.RedisSubscriber;
import dev.homelab.remediation.ingest.RedisUris;
import dev.homelab.remediation.ingest.WatchedProposals;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.FunctionCounter;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Redis intake: subscriber, parser, incident book and its view of the cluster. */
public final class Intake implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Intake.class);

  public final IncidentBook book;
  public final IntakePipeline pipeline;
  public final IntakeMetrics metrics;
  public final RedisSubscriber subscriber;
  private final ProposalWatch watch;
  private final Duration drain;
  private volatile boolean wasReady;

  private Intake(
      ProposalWatch watch,
      IncidentBook book,
      IntakePipeline pipeline,
      IntakeMetrics metrics,
      RedisSubscriber subscriber,
      Duration drain) {
    this.watch = watch;
    this.drain = drain;
    this.book = book;
    this.pipeline = pipeline;
    this.metrics = metrics;
    this.subscriber = subscriber;
  }

  public boolean ready() {
    boolean ready = watch.synced() && subscriber.isSubscribed();
    if (ready) {
      wasReady = true;
    }
    return ready;
  }

  /** True once {@link #ready()} has been: a Redis outage since is a reconnect, not a start. */
  public boolean wasReady() {
    return wasReady;
  }

  /** True while the parse worker runs and the subscriber is open. */
  public boolean alive() {
    return pipeline.alive() && subscriber.alive();
  }

  /** True when every message received so far has been parsed and has reached the cluster. */
  public boolean settled() {
    return pipeline.idle() && book.settled();
  }

  /**
   * Stops taking events, finishes queued ones, writes folded counts: within INTAKE_DRAIN_SECONDS
   * all told (the book's writes get what the parse workers left of it, at least a second).
   */
  @Override
  public void close() {
    long started = System.nanoTime();
    subscriber.close();
    pipeline.close();
    Duration left = drain.minusNanos(System.nanoTime() - started);
    book.close(left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left);
    watch.close();
  }

  /**
   * Drops everything at once and writes nothing, not even folded counts: the lease is lost, and the
   * new leader owns the cluster's state.
   */
  public void abort() {
    book.abort();
    pipeline.abort();
    subscriber.close();
    watch.close();
  }

  /**
   * Wires and starts the intake. The cluster's proposals are read before the first event is
   * decided, so the cooldown holds across restarts. Redis is connected and subscribed while they
   * are read: messages arriving meanwhile wait in the pipeline's bounded buffer, and its workers,
   * which decide, start only once the book knows the cluster.
   */
  public static Intake start(Wiring w) {
    return start(w, null, silence -> true);
  }

  /**
   * As {@link #start(Wiring)}, reading the reconciler's cache of proposals instead of running an
   * informer of its own (null: its own), and asking {@code silenceActive} whether the silence that
   * made a proposal Silenced still holds (when not, new events no longer fold into it).
   */
  public static Intake start(
      Wiring w, WatchedProposals proposals, Predicate<String> silenceActive) {
    OperatorConfig cfg = w.config();
    IntakeMetrics metrics = new IntakeMetrics(w.registry());
    IncidentBook book =
        new IncidentBook(
            new KubernetesProposalStore(w.client(), cfg.watchNamespace),
            cfg.watchNamespace,
            w.clock(),
            cfg.cooldown,
            cfg.foldFlushInterval,
            metrics,
            new BookLimits(
                cfg.intakeCreators,
                cfg.intakeCreateRetryMax,
                cfg.intakeDrainTimeout,
                cfg.outcomeWindow),
            silenceActive);
    IntakePipeline pipeline =
        new IntakePipeline(
            new EventParser(cfg.maxMessageBytes),
            book,
            metrics,
            w.clock(),
            cfg.maxMessageBytes,
            cfg.intakeBufferBytes,
            cfg.intakeWorkers,
            cfg.intakeDrainTimeout);
    RedisURI uri = RedisUris.create(cfg.redisUrl, cfg.redisPassword);
    RedisSubscriber subscriber =
        new RedisSubscriber(
            uri, List.of(cfg.healthChannel, cfg.worldChannel), cfg.maxMessageBytes, pipeline);
    FunctionCounter.builder("remediation.redis.reconnects", subscriber, RedisSubscriber::reconnects)
        .description(
            "Times the Redis subscription was lost and made again (messages meanwhile lost)")
        .register(w.registry());
    subscriber.start(); // connects on its own thread
    ProposalWatch watch =
        proposals == null
            ? ProposalWatch.informing(
                w.client(), cfg.watchNamespace, book, w.registry(), cfg.proposalGaugeInterval)
            : new ProposalWatch(
                proposals, cfg.watchNamespace, book, w.registry(), cfg.proposalGaugeInterval);
    try {
      watch.start(cfg.informerSyncTimeout);
    } catch (RuntimeException e) {
      subscriber.close();
      pipeline.abort();
      watch.close();
      throw e;
    }
    book.start();
    pipeline.start();
    LOG.atInfo()
        .addKeyValue("namespace", cfg.watchNamespace)
        .addKeyValue("channels", cfg.healthChannel + "," + cfg.worldChannel)
        .log("intake started");
    return new Intake(watch, book, pipeline, metrics, subscriber, cfg.intakeDrainTimeout);
  }
}
