package dev.homelab.remediation.ingest;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.decision.HumanDurations;
import dev.homelab.remediation.decision.Names;
import dev.homelab.remediation.util.DaemonThreads;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link IncidentBook} in step with the proposals in the cluster: the initial list seeds
 * it (so the cooldown survives a restart), later changes tell it which proposals closed. It reads
 * the operator's one cache of proposals ({@link WatchedProposals}, filled by the reconciler's
 * informer); the intake alone (tests, benchmarks) runs an informer of its own into one.
 */
public final class ProposalWatch implements AutoCloseable, WatchedProposals.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(ProposalWatch.class);

  private final WatchedProposals cache;
  private final SharedIndexInformer<RemediationProposal> ownInformer;
  private final Duration gaugeInterval;
  private final String namespace;
  private final IncidentBook book;
  private final MultiGauge byPhase;
  private final ScheduledExecutorService gaugeTimer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("proposal-gauges"));
  private volatile boolean started;

  /**
   * Reads {@code cache}, filled by an informer someone else runs. {@code gaugeInterval}: how often
   * the remediation_proposals gauge is recounted.
   */
  public ProposalWatch(
      WatchedProposals cache,
      String namespace,
      IncidentBook book,
      MeterRegistry registry,
      Duration gaugeInterval) {
    this(cache, null, namespace, book, registry, gaugeInterval);
  }

  private ProposalWatch(
      WatchedProposals cache,
      SharedIndexInformer<RemediationProposal> ownInformer,
      String namespace,
      IncidentBook book,
      MeterRegistry registry,
      Duration gaugeInterval) {
    this.cache = cache;
    this.ownInformer = ownInformer;
    this.gaugeInterval = gaugeInterval;
    this.namespace = namespace;
    this.book = book;
    this.byPhase =
        MultiGauge.builder("remediation.proposals")
            .description("RemediationProposals in the watched namespace, by phase and action")
            .register(registry);
  }

  /** With an informer of its own (the intake without the reconciler), started by {@link #start}. */
  public static ProposalWatch informing(
      KubernetesClient client,
      String namespace,
      IncidentBook book,
      MeterRegistry registry,
      Duration gaugeInterval) {
    WatchedProposals cache = new WatchedProposals();
    SharedIndexInformer<RemediationProposal> informer =
        client.resources(RemediationProposal.class).inNamespace(namespace).runnableInformer(0);
    informer.itemStore(cache);
    cache.listedWhen(informer::hasSynced);
    return new ProposalWatch(cache, informer, namespace, book, registry, gaugeInterval);
  }

  public static ProposalWatch informing(
      KubernetesClient client, String namespace, IncidentBook book, MeterRegistry registry) {
    return informing(client, namespace, book, registry, Duration.ofSeconds(5));
  }

  @Override
  public void stored(RemediationProposal p) {
    // One made by hand with a spec the intake would not write is no incident: events are not
    // folded into it, nor counted against its window (the reconciler refuses it).
    if (p.getSpec() != null && Names.problem(p.getMetadata().getName(), p.getSpec()).isEmpty()) {
      book.observe(view(p));
    }
  }

  @Override
  public void removed(RemediationProposal p) {
    if (p.getSpec() != null) {
      book.forget(p.getMetadata().getName(), p.getSpec().getSvcKey());
    }
  }

  /** Counts the cached proposals by phase and action into the remediation_proposals gauge. */
  void refreshGauges() {
    if (!started) {
      return;
    }
    Map<List<String>, Long> counts =
        cache
            .values()
            .collect(
                Collectors.groupingBy(
                    p -> {
                      RemediationProposalStatus s = p.getStatus();
                      String phase =
                          s == null || s.getPhase() == null ? "New" : s.getPhase().name();
                      String action =
                          s == null
                                  || s.getProposal() == null
                                  || s.getProposal().getAction() == null
                              ? "none"
                              : s.getProposal().getAction();
                      return List.of(phase, action);
                    },
                    Collectors.counting()));
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    counts.forEach(
        (k, n) -> rows.add(MultiGauge.Row.of(Tags.of("phase", k.get(0), "action", k.get(1)), n)));
    byPhase.register(rows, true);
  }

  /** Starts listening and waits until the initial list has reached the book. */
  public void start(Duration timeout) {
    // Listening first, then the seed: a change during the seed is told twice, never missed.
    cache.listen(this);
    if (ownInformer != null) {
      ownInformer.start();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!cache.listed()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "could not list RemediationProposals in namespace "
                + namespace
                + " within "
                + HumanDurations.format(timeout));
      }
      try {
        TimeUnit.MILLISECONDS.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while listing proposals", e);
      }
    }
    // Seed synchronously, so no event is decided before the cooldown state is known; a proposal
    // the informer replaced or removed meanwhile was told to the book already, and is not told
    // again in its older state.
    cache.values().filter(p -> cache.get(cache.getKey(p)) == p).forEach(this::stored);
    started = true;
    gaugeTimer.scheduleWithFixedDelay(
        this::refreshGaugesQuietly, 0, gaugeInterval.toMillis(), TimeUnit.MILLISECONDS);
    LOG.atInfo()
        .addKeyValue("namespace", namespace)
        .addKeyValue("proposals", cache.size())
        .log("proposal cache synced");
  }

  public boolean synced() {
    return started && cache.listed();
  }

  static ProposalView view(RemediationProposal p) {
    return view(p, p.getSpec() == null ? null : p.getSpec().getSvcKey());
  }

  /** A view of {@code p}; {@code svcKey} stands in when the resource has no spec. */
  static ProposalView view(RemediationProposal p, String svcKey) {
    RemediationProposalStatus s = p.getStatus();
    String created = p.getMetadata().getCreationTimestamp();
    Instant createdAt = created == null ? Instant.now() : OffsetDateTime.parse(created).toInstant();
    Instant observedAt = p.getSpec() == null ? null : instant(p.getSpec().getObservedAt());
    Long occurrences = s == null ? null : s.getOccurrences();
    Instant firstSeen = s == null ? null : instant(s.getFirstSeen());
    Instant lastSeen = s == null ? null : instant(s.getLastSeen());
    if (occurrences == null && observedAt != null) {
      // Not counted in status yet: it holds its opening event, which the reconciler's first
      // status write records (Transitions.withOpeningCount), so the intake need not write it.
      occurrences = 1L;
      firstSeen = observedAt;
      lastSeen = observedAt;
    }
    return new ProposalView(
        p.getMetadata().getName(),
        svcKey,
        createdAt,
        s == null ? null : s.getPhase(),
        occurrences,
        firstSeen,
        lastSeen,
        s == null || s.getProposal() == null ? null : instant(s.getProposal().getAnsweredAt()),
        observedAt,
        p.getMetadata().getResourceVersion(),
        s == null || s.getDispatch() == null ? null : instant(s.getDispatch().getAt()),
        s == null ? null : instant(s.getRecoveredAt()),
        s == null ? null : s.getSilencedBy(),
        p.getSpec() == null ? null : p.getSpec().getEventType());
  }

  private static Instant instant(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  private void refreshGaugesQuietly() {
    try {
      refreshGauges();
    } catch (RuntimeException e) {
      LOG.debug("gauge refresh failed", e);
    }
  }

  @Override
  public void close() {
    cache.stopListening(this);
    gaugeTimer.shutdownNow();
    byPhase.register(List.of(), true);
    if (ownInformer != null) {
      ownInformer.close();
    }
  }
}
