package dev.homelab.remediation.runtime;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.ApprovalMode;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.controller.KubernetesEventRecorder;
import dev.homelab.remediation.controller.KubernetesStatusPatcher;
import dev.homelab.remediation.controller.ProposalReconciler;
import dev.homelab.remediation.controller.QueuedEventRecorder;
import dev.homelab.remediation.controller.SilenceCache;
import dev.homelab.remediation.controller.SilenceReconciler;
import dev.homelab.remediation.decision.PhaseMachine;
import dev.homelab.remediation.decision.PolicyConfig;
import dev.homelab.remediation.decision.ProposalSettings;
import dev.homelab.remediation.dispatch.FileDispatcher;
import dev.homelab.remediation.ingest.WatchedProposals;
import dev.homelab.remediation.llm.ModelChain;
import dev.homelab.remediation.llm.ModelChains;
import dev.homelab.remediation.llm.ModelRouter;
import dev.homelab.remediation.llm.Router;
import dev.homelab.remediation.notify.ApprovalLinks;
import dev.homelab.remediation.notify.Notifier;
import dev.homelab.remediation.notify.Notifiers;
import dev.homelab.remediation.ops.Leadership;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The JOSDK operator, the model router it consults, the notifier it tells and the cache of silences
 * its proposals are matched against.
 */
public record Controller(
    Operator operator,
    Router router,
    QueuedEventRecorder events,
    Notifier notifier,
    SilenceCache silences)
    implements AutoCloseable {
  @Override
  public void close() {
    try {
      operator.stop();
    } finally {
      events.close(); // after the reconciles: the Events they recorded are sent
      router.close();
      notifier.close();
      silences.close();
    }
  }

  /**
   * Wires and starts the JOSDK controllers for RemediationProposals and RemediationSilences; their
   * reconcilers do nothing once {@code leadership} is fenced. The silences are listed while the
   * rest is built, and the operator starts only once they are known, so no proposal is decided
   * before.
   */
  public static Controller start(
      Wiring w, Leadership leadership, Runnable onStartLeading, Runnable onStopLeading) {
    return start(w, leadership, new WatchedProposals(), onStartLeading, onStopLeading);
  }

  /**
   * As above; the reconciler's informer keeps the proposals in {@code cache}, which the intake
   * reads too.
   */
  public static Controller start(
      Wiring w,
      Leadership leadership,
      WatchedProposals cache,
      Runnable onStartLeading,
      Runnable onStopLeading) {
    KubernetesClient client = w.client();
    OperatorConfig cfg = w.config();
    // The chain first: a bad chain or topology stops start-up before anything connects.
    PolicyConfig policy =
        new PolicyConfig(cfg.alwaysHumanNodes, cfg.notifyOnlyEvents, cfg.minConfidence);
    ModelChain chain =
        ModelChains.fromConfig(
            cfg.llmChain, cfg.llmApiKey, cfg.llmTimeout, cfg.topologyFile, policy);
    // Listed while the notifier and the operator are built; the operator starts only once they
    // are known (SilenceCache::current is what proposals match).
    SilenceCache silences = new SilenceCache(client, cfg.watchNamespace);
    FutureTask<Void> listing =
        new FutureTask<>(
            () -> {
              silences.start(cfg.informerSyncTimeout);
              return null;
            });
    Thread lister = new Thread(listing, "silences-list");
    lister.setDaemon(true);
    lister.start();
    Notifier notifier;
    try {
      notifier = // SPEC section 10, with the approval links of links/ when they are on
          Notifiers.start(
              cfg, client, w.registry(), w.clock(), leadership::fenced, notificationLinks(cfg));
    } catch (RuntimeException e) {
      awaitQuietly(listing);
      silences.close();
      throw e;
    }
    try {
      Operator operator = operator(w, leadership, notifier, onStartLeading, onStopLeading);
      return start(w, leadership, operator, listing, silences, notifier, policy, chain, cache);
    } catch (RuntimeException e) {
      // Nothing started before the failure is left running (local mode and tests go on).
      awaitQuietly(listing);
      silences.close();
      notifier.close();
      throw e;
    }
  }

  private static Operator operator(
      Wiring w,
      Leadership leadership,
      Notifier notifier,
      Runnable onStartLeading,
      Runnable onStopLeading) {
    KubernetesClient client = w.client();
    OperatorConfig cfg = w.config();
    return new Operator(
        o -> {
          o.withKubernetesClient(client)
              .withUseSSAToPatchPrimaryResource(w.serverSideApply())
              .withCloseClientOnStop(false)
              // Our own status write stays in the cache until the informer has a newer one,
              // so the next reconcile never decides on the version before it.
              .withParseResourceVersions(true)
              .withConcurrentReconciliationThreads(cfg.reconcileThreads)
              .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(w.registry()));
          if (cfg.leaderElection) {
            Duration lease = cfg.leaseDuration;
            o.withLeaderElectionConfiguration(
                LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(cfg.leaseName)
                    .withLeaseNamespace(cfg.watchNamespace)
                    .withIdentity(leadership.identity())
                    .withLeaseDuration(lease)
                    .withRenewDeadline(Leadership.renewDeadline(lease))
                    .withRetryPeriod(Leadership.retryPeriod(lease))
                    .withExitOnStopLeading(false)
                    .withLeaderCallbacks(
                        new LeaderCallbacks(
                            () -> {
                              notifier.resume();
                              onStartLeading.run();
                            },
                            onStopLeading,
                            leader -> {}))
                    .build());
          }
        });
  }

  private static Controller start(
      Wiring w,
      Leadership leadership,
      Operator operator,
      FutureTask<Void> listing,
      SilenceCache silences,
      Notifier notifier,
      PolicyConfig policy,
      ModelChain chain,
      WatchedProposals cache) {
    KubernetesClient client = w.client();
    OperatorConfig cfg = w.config();
    ModelRouter router = new ModelRouter(chain, cfg.llmConcurrency, w.registry(), w.clock());
    QueuedEventRecorder events =
        new QueuedEventRecorder(
            new KubernetesEventRecorder(client, w.clock(), cfg.nodeName),
            w.clock(),
            QueuedEventRecorder.DEFAULT_CAPACITY,
            leadership::fenced);
    try {
      ProposalSettings settings =
          new ProposalSettings(
              policy,
              cfg.cooldown,
              cfg.retryBase,
              cfg.approvalMode == ApprovalMode.executor,
              cfg.approvalTtl,
              cfg.retention,
              chain.models(),
              cfg.outcomeWindow,
              cfg.remediationBudget.count(),
              cfg.remediationBudget.window(),
              cfg.proposingGrace);
      ProposalReconciler reconciler =
          new ProposalReconciler(
              new KubernetesStatusPatcher(client),
              events,
              router,
              new FileDispatcher(
                  cfg.pendingActionsDir, cfg.eventsDir, () -> cfg.nodeName, w.clock()),
              new PhaseMachine(settings),
              w.clock(),
              w.registry(),
              leadership::fenced,
              notifier,
              silences::current);
      RegisteredController<RemediationProposal> registered =
          operator.register(
              reconciler,
              o ->
                  o.settingNamespaces(Set.of(cfg.watchNamespace))
                      .withName("remediationproposal")
                      // The intake is told of every proposal this informer takes in.
                      .withItemStore(cache)
                      .withGenerationAware(false)
                      // An API error (500, 429, timeout) never parks a proposal: retry until it
                      // works, 1 s doubling up to 5 min.
                      .withRetry(retry(cfg)));
      cache.listedWhen(() -> listed(registered));
      // A proposal deleted from the cache: what the notifications still show of it is taken back.
      cache.listen(
          new WatchedProposals.Listener() {
            @Override
            public void stored(RemediationProposal p) {}

            @Override
            public void removed(RemediationProposal p) {
              notifier.deleted(p);
            }
          });
      // Status state and retention of silences; generation-aware, as only spec changes and the
      // scheduled boundaries matter (its own status writes do not wake it). No periodic reconcile:
      // each one schedules the next boundary itself, and a timer left after a delete would race
      // JOSDK's cancelling of it (TimerEventSource.scheduleOnce is not atomic).
      operator.register(
          new SilenceReconciler(client, w.clock(), cfg.retention, leadership::fenced),
          o ->
              o.settingNamespaces(Set.of(cfg.watchNamespace))
                  .withName("remediationsilence")
                  .withReconciliationMaxInterval(null)
                  .withRetry(retry(cfg)));
      awaitListed(listing);
      operator.start();
      if (!cfg.leaderElection) {
        notifier.resume();
      }
    } catch (RuntimeException e) {
      try {
        operator.stop();
      } catch (RuntimeException stopping) {
        e.addSuppressed(stopping);
      }
      events.close();
      router.close();
      throw e;
    }
    return new Controller(operator, router, events, notifier, silences);
  }

  /** Whether every informer of {@code c} has listed what it watches. */
  private static boolean listed(RegisteredController<?> c) {
    var sources = c.getControllerHealthInfo().informerEventSourceHealthIndicators().values();
    if (sources.isEmpty()) {
      return false;
    }
    for (InformerWrappingEventSourceHealthIndicator<?> source : sources) {
      Map<String, InformerHealthIndicator> informers = source.informerHealthIndicators();
      if (informers.isEmpty()) {
        return false;
      }
      for (InformerHealthIndicator informer : informers.values()) {
        if (!informer.hasSynced()) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The approve and reject links the notifications carry: the signed links of {@code links/} when
   * they are on, each signed for the target that sends it ({@code approved-by=link:ntfy}, {@code
   * link:webhook}, {@code link:alertmanager}), none otherwise.
   */
  static ApprovalLinks notificationLinks(OperatorConfig cfg) {
    dev.homelab.remediation.links.ApprovalLinks links =
        dev.homelab.remediation.links.ApprovalLinks.from(cfg);
    if (!links.enabled()) {
      return ApprovalLinks.NONE;
    }
    return new ApprovalLinks() {
      @Override
      public java.util.Optional<String> approveUrl(RemediationProposal p, String target) {
        return links.approveUrl(p, target);
      }

      @Override
      public java.util.Optional<String> rejectUrl(RemediationProposal p, String target) {
        return links.rejectUrl(p, target);
      }
    };
  }

  /** Waits for the silences' first list; rethrows its failure. */
  private static void awaitListed(FutureTask<Void> listing) {
    try {
      listing.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("cannot list RemediationSilences", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing silences", e);
    }
  }

  /** Waits for the listing to end, its outcome no longer of interest (start-up failed already). */
  private static void awaitQuietly(FutureTask<Void> listing) {
    try {
      listing.get();
    } catch (ExecutionException e) {
      // the failure that is being thrown already matters more
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static GenericRetry retry(OperatorConfig cfg) {
    return new GenericRetry()
        .setInitialInterval(cfg.reconcileRetryInitial.toMillis())
        .setIntervalMultiplier(cfg.reconcileRetryMultiplier)
        .setMaxInterval(cfg.reconcileRetryMax.toMillis())
        .withoutMaxAttempts();
  }
}
