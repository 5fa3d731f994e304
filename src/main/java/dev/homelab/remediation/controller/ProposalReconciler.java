package dev.homelab.remediation.controller;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.decision.Decision;
import dev.homelab.remediation.decision.DispatchOutcome;
import dev.homelab.remediation.decision.Effect;
import dev.homelab.remediation.decision.EventReason;
import dev.homelab.remediation.decision.Observation;
import dev.homelab.remediation.decision.Outcomes;
import dev.homelab.remediation.decision.PhaseMachine;
import dev.homelab.remediation.decision.Silences;
import dev.homelab.remediation.dispatch.Dispatcher;
import dev.homelab.remediation.llm.ProposalRequest;
import dev.homelab.remediation.llm.Router;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shell around the {@link PhaseMachine}: observe the proposal and the collaborators' reports,
 * let the machine decide, perform what it decided (files, status patch, model router, Events,
 * delete), look again when it says. It keeps no state of its own: the schedule of every retry is in
 * status, the model's work in the router's own record.
 */
public final class ProposalReconciler implements Reconciler<RemediationProposal> {
  private static final Logger LOG = LoggerFactory.getLogger(ProposalReconciler.class);

  private final StatusPatcher status;
  private final EventRecorder events;
  private final Router router;
  private final PhaseListener phases;
  private final Supplier<List<Silences.Silence>> silences;
  private final Dispatcher dispatcher;
  private final PhaseMachine machine;
  private final Clock clock;
  private final Counter cooldownSuppressions;
  private final Counter writes;
  private final Counter writeFailures;

  /** True once this replica lost its lease: from then on a reconcile has no effect at all. */
  private final BooleanSupplier fenced;

  private final SimpleInboundEventSource<RemediationProposal> routerEvents =
      new SimpleInboundEventSource<>("model-router");

  public ProposalReconciler(
      StatusPatcher status,
      EventRecorder events,
      Router router,
      Dispatcher dispatcher,
      PhaseMachine machine,
      Clock clock,
      MeterRegistry registry,
      BooleanSupplier fenced,
      PhaseListener phases) {
    this(status, events, router, dispatcher, machine, clock, registry, fenced, phases, List::of);
  }

  public ProposalReconciler(
      StatusPatcher status,
      EventRecorder events,
      Router router,
      Dispatcher dispatcher,
      PhaseMachine machine,
      Clock clock,
      MeterRegistry registry,
      BooleanSupplier fenced,
      PhaseListener phases,
      Supplier<List<Silences.Silence>> silences) {
    this.silences = silences;
    this.fenced = fenced;
    this.phases = phases;
    this.status = status;
    this.events = events;
    this.router = router;
    this.dispatcher = dispatcher;
    this.machine = machine;
    this.clock = clock;
    this.cooldownSuppressions =
        Counter.builder("remediation.cooldown.suppressions")
            .description(
                "Proposals whose model call waited for the end of their svcKey's cooldown window")
            .register(registry);
    this.writes =
        Counter.builder("remediation.dispatch.writes")
            .description("Pending-action dispatches, by result")
            .tag("result", "written")
            .register(registry);
    this.writeFailures =
        Counter.builder("remediation.dispatch.writes")
            .description("Pending-action dispatches, by result")
            .tag("result", "failed")
            .register(registry);
    router.onResult(key -> routerEvents.propagateEvent(resourceId(key)));
  }

  @Override
  public List<EventSource<?, RemediationProposal>> prepareEventSources(
      EventSourceContext<RemediationProposal> context) {
    context.getPrimaryCache().addIndexer(BY_SVC_KEY, ProposalReconciler::svcKeyOf);
    return List.of(routerEvents);
  }

  /** The primary cache's index name: proposals by spec.svcKey. */
  static final String BY_SVC_KEY = "svcKey";

  static List<String> svcKeyOf(RemediationProposal p) {
    return p.getSpec() == null || p.getSpec().getSvcKey() == null
        ? List.of()
        : List.of(p.getSpec().getSvcKey());
  }

  @Override
  public UpdateControl<RemediationProposal> reconcile(
      RemediationProposal p, Context<RemediationProposal> context) {
    if (fenced.getAsBoolean()) {
      return UpdateControl.noUpdate();
    }
    Observation observed = observe(p, context);
    Decision d = machine.decide(observed);
    boolean afterFiles = d.has(Effect.WriteFiles.class);
    if (afterFiles) {
      if (fenced.getAsBoolean() || (d.status() != null && !status.stillAt(p))) {
        // A draft decided on a version the cluster has moved on from (a recovery, an annotation,
        // a delete, another leader), or the lease is gone: no files. The newer version's event
        // decides again; the answer stays with the router.
        return UpdateControl.noUpdate();
      }
      // A draft: the files for its status first, then the decision with their outcome is the one
      // performed (one status write for the approval and the dispatch).
      d = machine.decide(observed.withDispatch(write(p, d.status())));
      // The files are on the node now: their record must land (recordingFiles).
    }
    if (!perform(p, context, d, observed, afterFiles)) {
      return UpdateControl.noUpdate();
    }
    UpdateControl<RemediationProposal> control = UpdateControl.noUpdate();
    return d.recheck().map(control::rescheduleAfter).orElse(control);
  }

  private Observation observe(RemediationProposal p, Context<RemediationProposal> context) {
    RemediationProposalStatus s = p.getStatus();
    boolean needsCooldown =
        p.getSpec() != null && (s == null || s.getPhase() == null || isPending(s));
    // Cooldown and siblings are per svcKey: the index, not a walk of every cached proposal (which
    // took most of a reconcile's time with a few thousand proposals in the namespace).
    List<String> keys = svcKeyOf(p);
    List<RemediationProposal> sameSvcKey =
        keys.isEmpty() ? List.of() : context.getPrimaryCache().byIndex(BY_SVC_KEY, keys.get(0));
    return new Observation(
        p.getMetadata().getName(),
        p.getMetadata().getUid(),
        createdAt(p),
        generation(p),
        p.getMetadata().getAnnotations(),
        p.getSpec(),
        s,
        router.view(key(p)),
        Optional.empty(),
        needsCooldown ? Consultations.of(sameSvcKey, router, clock) : List.of(),
        Siblings.of(p, sameSvcKey.stream()),
        needsCooldown
                || (s != null && (s.getPhase() == Phase.Failed || s.getPhase() == Phase.Proposing))
            ? silences.get()
            : List.of(),
        clock.instant());
  }

  private static boolean isPending(RemediationProposalStatus s) {
    return s.getPhase() == Phase.Pending;
  }

  /**
   * The files are on the node: their record (the approval, the dispatch) goes onto the version the
   * cluster moved on to since the check before them (an occurrence count or a recovery from the
   * intake, an annotation), or the newer version would be decided again without them (Resolved,
   * with a restart on disk). The intake's count fields are its own: a version that has them keeps
   * them. A 404 when the proposal is gone; a 409 again after three tries is thrown.
   */
  private RemediationProposal recordingFiles(
      RemediationProposal p, RemediationProposalStatus fields) {
    RemediationProposal onto = p;
    for (int attempt = 0; ; attempt++) {
      try {
        return status.patch(onto, fields);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 3) {
          throw e;
        }
      }
      onto = status.latest(p);
      if (onto == null) {
        throw new KubernetesClientException("deleted since the files were written", 404, null);
      }
      if (onto.getStatus() != null && onto.getStatus().getOccurrences() != null) {
        fields.setOccurrences(null);
        fields.setFirstSeen(null);
        fields.setLastSeen(null);
      }
    }
  }

  /** Performs a decision; false when the proposal is gone (nothing more to do). */
  private boolean perform(
      RemediationProposal p,
      Context<RemediationProposal> context,
      Decision d,
      Observation observed,
      boolean afterFiles) {
    if (d.status() != null) {
      RemediationProposal updated;
      try {
        updated = afterFiles ? recordingFiles(p, d.status()) : status.patch(p, d.status());
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          LOG.atInfo()
              .addKeyValue("proposal", p.getMetadata().getName())
              .log("proposal deleted meanwhile; nothing to update");
          return false;
        }
        if (e.getCode() == 409) {
          // Decided on a version the cache had not caught up with: the newer one is on its way
          // and starts the next reconcile; nothing of this decision is performed.
          LOG.atDebug()
              .addKeyValue("proposal", p.getMetadata().getName())
              .log("proposal changed since it was read; deciding again on the newer version");
          return false;
        }
        throw e; // JOSDK retries the reconcile with its backoff; nothing else was done
      }
      rememberOwnWrite(context, p, updated);
      Phase from = p.getStatus() == null ? null : p.getStatus().getPhase();
      Phase to = d.status().getPhase();
      if (from == null && to != null) {
        wakeDispatchedSiblings(p, observed);
      }
      if (to != null && to != from) {
        try {
          phases.changed(new PhaseListener.Change(p, from, to, d.status()));
        } catch (RuntimeException e) {
          LOG.atWarn()
              .addKeyValue("proposal", p.getMetadata().getName())
              .log("phase listener failed: {}", e.toString());
        }
      }
    }
    String key = key(p);
    for (Effect e : d.effects()) {
      if (e instanceof Effect.Ask) {
        router.submit(key, request(p, observed), p.getSpec().getSeverity(), createdAt(p));
      } else if (e instanceof Effect.Claim) {
        router.claimed(key);
      } else if (e instanceof Effect.Event ev) {
        if (ev.reason() == EventReason.CoolingDown) {
          cooldownSuppressions.increment();
        }
        events.record(p, ev.reason(), ev.message());
      } else if (e instanceof Effect.Delete) {
        delete(p, context);
      }
      // Effect.WriteFiles is performed before deciding again (see reconcile).
    }
    if (d.has(Effect.Claim.class)) {
      wakeWaitingSiblings(p, observed);
    }
    return true;
  }

  /**
   * This proposal's consultation is over (its answer recorded, or its chain failed): a new proposal
   * of the svcKey that waited for it decides now (blocked by the answer, or asking itself).
   */
  private void wakeWaitingSiblings(RemediationProposal p, Observation observed) {
    for (var sibling : observed.siblings()) {
      if (sibling.phase() == null || sibling.phase() == Phase.Pending) {
        routerEvents.propagateEvent(new ResourceID(sibling.name(), p.getMetadata().getNamespace()));
      }
    }
  }

  /**
   * A new incident for a svcKey whose last action is still watched: look at that proposal now, so
   * its Recurred outcome is recorded at once rather than when its window ends.
   */
  private void wakeDispatchedSiblings(RemediationProposal p, Observation observed) {
    for (var sibling : observed.siblings()) {
      if (sibling.phase() == Phase.Dispatched
          && !Outcomes.RECURRED.equals(sibling.outcome())
          && !Outcomes.UNKNOWN.equals(sibling.outcome())) {
        routerEvents.propagateEvent(new ResourceID(sibling.name(), p.getMetadata().getNamespace()));
      }
    }
  }

  /**
   * Puts the patched proposal into JOSDK's cache, so the next reconcile reads this write rather
   * than the version before it while the watch event is on its way.
   */
  private static void rememberOwnWrite(
      Context<RemediationProposal> context, RemediationProposal before, RemediationProposal after) {
    if (after == null || after.getMetadata() == null || context.eventSourceRetriever() == null) {
      return;
    }
    context
        .eventSourceRetriever()
        .getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(before), after, before);
  }

  private DispatchOutcome write(RemediationProposal p, RemediationProposalStatus draft) {
    try {
      Dispatcher.Written w = dispatcher.dispatch(DispatchPlan.pendingAction(p, draft));
      writes.increment();
      return new DispatchOutcome.Written(
          DispatchPlan.actionId(p), w.pendingAction().toString(), w.event().toString());
    } catch (IOException | RuntimeException e) {
      writeFailures.increment();
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      LOG.atWarn()
          .addKeyValue("proposal", p.getMetadata().getName())
          .log("writing the pending action failed: {}", why);
      return new DispatchOutcome.Failed(why);
    }
  }

  private static void delete(RemediationProposal p, Context<RemediationProposal> context) {
    try {
      context.getClient().resource(p).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /** The router's key: namespace, name and uid, so a result finds its proposal again. */
  static String key(RemediationProposal p) {
    return p.getMetadata().getNamespace()
        + "/"
        + p.getMetadata().getName()
        + "@"
        + p.getMetadata().getUid();
  }

  static ResourceID resourceId(String key) {
    int slash = key.indexOf('/');
    int at = key.lastIndexOf('@');
    return new ResourceID(key.substring(slash + 1, at), key.substring(0, slash));
  }

  private static long generation(RemediationProposal p) {
    Long g = p.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }

  private Instant createdAt(RemediationProposal p) {
    String c = p.getMetadata().getCreationTimestamp();
    return c == null ? clock.instant() : Instant.parse(c);
  }

  private ProposalRequest request(RemediationProposal p, Observation observed) {
    return new ProposalRequest(
        p.getMetadata().getName(),
        p.getSpec(),
        observed.occurrences(),
        Outcomes.recent(observed.siblings(), observed.now(), machine.settings().budgetWindow(), 5));
  }
}
