package dev.homelab.remediation.controller;

import dev.homelab.remediation.api.v1alpha1.DispatchRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.config.ApprovalMode;
import dev.homelab.remediation.decision.Approvals;
import dev.homelab.remediation.decision.Cooldown;
import dev.homelab.remediation.decision.SafetyPolicy;
import dev.homelab.remediation.decision.Transitions;
import dev.homelab.remediation.dispatch.Dispatcher;
import dev.homelab.remediation.llm.ChainResult;
import dev.homelab.remediation.llm.ModelAnswer;
import dev.homelab.remediation.llm.ModelRouter;
import dev.homelab.remediation.llm.ProposalRequest;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Takes each RemediationProposal through its phases; reads like a table of contents: observe the
 * phase, decide with pure code ({@link Transitions}, {@link SafetyPolicy}, {@link Cooldown}), act
 * through a collaborator (the model router), patch status, record an Event.
 */
public final class ProposalReconciler implements Reconciler<RemediationProposal> {
  private final StatusPatcher status;
  private final EventRecorder events;
  private final ModelRouter router;
  private final Dispatcher dispatcher;
  private final List<String> models;
  private final ProposalSettings settings;
  private final Clock clock;
  private final Counter cooldownSuppressions;
  private final Counter writes;
  private final Counter writeFailures;

  /** True once this replica lost its lease: from then on a reconcile has no effect at all. */
  private final BooleanSupplier fenced;

  private final SimpleInboundEventSource<RemediationProposal> routerEvents =
      new SimpleInboundEventSource<>("model-router");

  /** Results applied whose status change the cache may not show yet: key → resource. */
  private final Map<String, Phase> applied = new ConcurrentHashMap<>();

  private final Map<String, ResourceID> keys = new ConcurrentHashMap<>();

  /** Proposals whose files were written, until the cache shows them Dispatched. */
  private final Map<String, Instant> dispatched = new ConcurrentHashMap<>();

  /**
   * Out-of-phase annotations already warned about (uid/value/phase), so the Event is recorded once.
   */
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  public ProposalReconciler(
      StatusPatcher status,
      EventRecorder events,
      ModelRouter router,
      Dispatcher dispatcher,
      List<String> models,
      ProposalSettings settings,
      Clock clock,
      MeterRegistry registry,
      BooleanSupplier fenced) {
    this.fenced = fenced;
    this.status = status;
    this.events = events;
    this.router = router;
    this.dispatcher = dispatcher;
    this.models = List.copyOf(models);
    this.settings = settings;
    this.clock = clock;
    this.cooldownSuppressions =
        Counter.builder("remediation.cooldown.suppressions")
            .description("Proposals not sent to the model because their svcKey was in cooldown")
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
    router.onResult(
        key -> {
          ResourceID id = keys.get(key);
          if (id != null) {
            routerEvents.propagateEvent(id);
          }
        });
  }

  @Override
  public List<EventSource<?, RemediationProposal>> prepareEventSources(
      EventSourceContext<RemediationProposal> context) {
    return List.of(routerEvents);
  }

  @Override
  public UpdateControl<RemediationProposal> reconcile(
      RemediationProposal p, Context<RemediationProposal> context) {
    if (fenced.getAsBoolean()) {
      return UpdateControl.noUpdate();
    }
    if (p.getSpec() == null || p.getSpec().getSvcKey() == null) {
      // Not made by the intake (for example an approval manifest re-applied after its proposal
      // was deleted): there is no event to act on.
      return UpdateControl.noUpdate();
    }
    Phase phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    String key = key(p);
    if (phase != Phase.Proposing) {
      applied.remove(key);
    }
    if (phase != Phase.Approved) {
      dispatched.remove(key);
    }
    if (phase == null) {
      return toPending(p);
    }
    if (phase != Phase.AwaitingApproval) {
      warnIfAnnotatedTooLate(p);
    }
    return switch (phase) {
      case Pending -> propose(p, context);
      case Proposing -> collect(p);
      case Failed -> retryIfDue(p);
      case AwaitingApproval -> awaitApproval(p);
      case Approved -> dispatch(p);
      case Dispatched, Ignored, Rejected, Expired -> retain(p, context);
    };
  }

  private UpdateControl<RemediationProposal> toPending(RemediationProposal p) {
    patch(p, Transitions.pending(p.getStatus(), generation(p), clock.instant()));
    events.record(
        p,
        EventReason.Pending,
        "New incident for " + p.getSpec().getSvcKey() + " (" + p.getSpec().getEventType() + ").");
    return UpdateControl.noUpdate();
  }

  private UpdateControl<RemediationProposal> propose(
      RemediationProposal p, Context<RemediationProposal> context) {
    String key = key(p);
    if (router.busy(key) || router.result(key).isPresent() || applied.containsKey(key)) {
      return UpdateControl.noUpdate();
    }
    Instant now = clock.instant();
    Optional<Cooldown.Consultation> blocking =
        Cooldown.blocking(
            consultations(context),
            p.getSpec().getSvcKey(),
            p.getMetadata().getName(),
            now,
            settings.cooldown());
    if (blocking.isPresent()) {
      cooldownSuppressions.increment();
      RemediationProposalStatus next =
          Transitions.suppressed(p.getStatus(), blocking.get(), generation(p), now);
      patch(p, next);
      events.record(p, EventReason.CooldownSuppressed, next.getMessage());
      return UpdateControl.noUpdate();
    }
    return ask(p, EventReason.Proposing);
  }

  private UpdateControl<RemediationProposal> ask(RemediationProposal p, EventReason reason) {
    String key = key(p);
    RemediationProposalStatus next =
        Transitions.proposing(p.getStatus(), models, generation(p), clock.instant());
    // Phase first: should the patch fail, nothing is queued, and the retried reconcile asks
    // again; should the process die after it, Proposing resubmits (see collect).
    patch(p, next);
    keys.put(key, ResourceID.fromResource(p));
    router.submit(key, request(p), p.getSpec().getSeverity(), createdAt(p));
    events.record(p, reason, next.getMessage());
    return UpdateControl.noUpdate();
  }

  private UpdateControl<RemediationProposal> collect(RemediationProposal p) {
    String key = key(p);
    if (applied.containsKey(key)) {
      return UpdateControl.noUpdate();
    }
    Optional<ChainResult> result = router.result(key);
    if (result.isEmpty()) {
      if (!router.busy(key)) {
        // The operator restarted while the model was being asked: ask again.
        keys.put(key, ResourceID.fromResource(p));
        router.submit(key, request(p), p.getSpec().getSeverity(), createdAt(p));
      }
      return UpdateControl.noUpdate();
    }
    Instant now = clock.instant();
    UpdateControl<RemediationProposal> control = UpdateControl.noUpdate();
    if (result.get() instanceof ChainResult.Answered a) {
      ProposedAction proposal =
          SafetyPolicy.apply(answer(a.answer()), subject(p), settings.policy());
      proposal.setAnsweredAt(now.toString());
      proposal.setFailedModels(a.failures().isEmpty() ? null : a.failures());
      Phase next = SafetyPolicy.phaseFor(proposal);
      String approvedBy = "policy";
      if (next == Phase.AwaitingApproval && settings.approvalMode() == ApprovalMode.executor) {
        next = Phase.Approved;
        approvedBy = "executor";
      }
      RemediationProposalStatus s =
          Transitions.proposed(p.getStatus(), proposal, next, approvedBy, generation(p), now);
      Optional<Approvals.Decision> early = Approvals.read(p.getMetadata().getAnnotations());
      if (next == Phase.AwaitingApproval && early.isPresent()) {
        // Set before anyone could see the proposal: it decides nothing (SPEC 6).
        s.setStaleApproval(early.get().value());
      }
      patch(p, s);
      applied.put(key, next);
      events.record(p, EventReason.Proposed, s.getMessage());
      events.record(
          p,
          "executor".equals(approvedBy) ? EventReason.Approved : reasonFor(next),
          "executor".equals(approvedBy)
              ? "APPROVAL_MODE=executor: written for the executor to ask a human."
              : describe(next));
    } else if (result.get() instanceof ChainResult.Failed f) {
      RemediationProposalStatus s =
          Transitions.failed(
              p.getStatus(),
              f.failures(),
              occurrences(p),
              settings.retryBase(),
              generation(p),
              now);
      patch(p, s);
      applied.put(key, Phase.Failed);
      events.record(
          p,
          EventReason.ChainFailed,
          s.getMessage() + " Retrying at " + s.getNextAttemptAt() + " or on the next event.");
      control = control.rescheduleAfter(Duration.between(now, Instant.parse(s.getNextAttemptAt())));
    }
    router.claimed(key);
    keys.remove(key);
    return control;
  }

  private UpdateControl<RemediationProposal> retryIfDue(RemediationProposal p) {
    Instant now = clock.instant();
    if (Transitions.retryDue(p.getStatus(), now)) {
      if (router.busy(key(p)) || router.result(key(p)).isPresent()) {
        return UpdateControl.noUpdate();
      }
      return ask(p, EventReason.Retrying);
    }
    Duration wait = Duration.between(now, Instant.parse(p.getStatus().getNextAttemptAt()));
    return UpdateControl.<RemediationProposal>noUpdate().rescheduleAfter(wait);
  }

  private UpdateControl<RemediationProposal> awaitApproval(RemediationProposal p) {
    Instant now = clock.instant();
    Optional<Approvals.Decision> decision = Approvals.read(p.getMetadata().getAnnotations());
    String stale = p.getStatus().getStaleApproval();
    if (stale != null && !stale.isEmpty()) {
      if (decision.isEmpty()) {
        // Removed: the next annotation decides.
        patch(p, Transitions.staleApprovalCleared(p.getStatus(), generation(p)));
        return UpdateControl.noUpdate();
      }
      if (decision.get().value().equals(stale)) {
        warnOnce(
            p,
            stale,
            "Annotation "
                + Approvals.APPROVAL
                + "="
                + stale
                + " was set before the proposal awaited approval and is ignored; remove it and"
                + " annotate again to decide.");
        decision = Optional.empty();
      }
    }
    if (decision.isPresent() && decision.get().verdict() == Approvals.Verdict.APPROVED) {
      patch(p, Transitions.approved(p.getStatus(), decision.get().by(), generation(p), now));
      events.record(p, EventReason.Approved, "Approved by " + decision.get().by() + ".");
      return UpdateControl.noUpdate();
    }
    if (decision.isPresent() && decision.get().verdict() == Approvals.Verdict.REJECTED) {
      patch(p, Transitions.rejected(p.getStatus(), decision.get().by(), generation(p), now));
      events.record(
          p, EventReason.Rejected, "Rejected by " + decision.get().by() + "; nothing is written.");
      return UpdateControl.noUpdate();
    }
    if (decision.isPresent()) {
      warnOnce(
          p,
          decision.get().value(),
          "Annotation "
              + Approvals.APPROVAL
              + "="
              + decision.get().value()
              + " is neither approved nor rejected; it changes nothing.");
    }
    Instant expiresAt = answeredAt(p).plus(settings.approvalTtl());
    if (!now.isBefore(expiresAt)) {
      patch(p, Transitions.expired(p.getStatus(), settings.approvalTtl(), generation(p), now));
      events.record(
          p,
          EventReason.Expired,
          "No decision within " + settings.approvalTtl() + "; nothing is written.");
      return UpdateControl.noUpdate();
    }
    return UpdateControl.<RemediationProposal>noUpdate()
        .rescheduleAfter(Duration.between(now, expiresAt));
  }

  private UpdateControl<RemediationProposal> dispatch(RemediationProposal p) {
    if (dispatched.containsKey(key(p))) {
      return UpdateControl.noUpdate(); // written; the cache has not caught up with Dispatched yet
    }
    Instant now = clock.instant();
    Dispatcher.Written written;
    try {
      written = dispatcher.dispatch(DispatchPlan.pendingAction(p));
    } catch (IOException | RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      writeFailures.increment();
      RemediationProposalStatus s =
          Transitions.dispatchFailed(p.getStatus(), why, generation(p), now);
      patch(p, s);
      events.record(p, EventReason.DispatchFailed, s.getMessage());
      return UpdateControl.<RemediationProposal>noUpdate()
          .rescheduleAfter(Transitions.dispatchRetryDelay(s.getAttempts()));
    }
    writes.increment();
    DispatchRecord record = new DispatchRecord();
    record.setActionId(DispatchPlan.actionId(p));
    record.setPendingActionPath(written.pendingAction().toString());
    record.setEventPath(written.event().toString());
    record.setAt(now.toString());
    patch(p, Transitions.dispatched(p.getStatus(), record, generation(p), now));
    dispatched.put(key(p), now);
    events.record(
        p,
        EventReason.Dispatched,
        "Wrote " + written.pendingAction() + " and " + written.event() + ".");
    return UpdateControl.noUpdate();
  }

  private UpdateControl<RemediationProposal> retain(
      RemediationProposal p, Context<RemediationProposal> context) {
    Instant now = clock.instant();
    Instant deleteAt =
        Transitions.deleteAfter(
            p.getStatus(), createdAt(p), settings.retention(), settings.cooldown());
    if (now.isBefore(deleteAt)) {
      return UpdateControl.<RemediationProposal>noUpdate()
          .rescheduleAfter(Duration.between(now, deleteAt));
    }
    context.getClient().resource(p).delete();
    return UpdateControl.noUpdate();
  }

  /** An approval annotation on a proposal that is not awaiting approval changes nothing. */
  private void warnIfAnnotatedTooLate(RemediationProposal p) {
    Optional<Approvals.Decision> d = Approvals.read(p.getMetadata().getAnnotations());
    if (d.isEmpty()) {
      return;
    }
    RemediationProposalStatus s = p.getStatus();
    if (s.getApproval() != null
        && s.getApproval().getBy() != null
        && s.getApproval().getBy().startsWith("annotation")) {
      return; // this annotation made the decision
    }
    Phase phase = s.getPhase();
    warnOnce(
        p,
        d.get().value(),
        "Annotation "
            + Approvals.APPROVAL
            + "="
            + d.get().value()
            + " ignored: the proposal is "
            + phase
            + ", not AwaitingApproval.");
  }

  private void warnOnce(RemediationProposal p, String value, String message) {
    if (warned.add(p.getMetadata().getUid() + "/" + value + "/" + p.getStatus().getPhase())) {
      events.record(p, EventReason.ApprovalIgnored, message);
    }
  }

  private Instant answeredAt(RemediationProposal p) {
    ProposedAction a = p.getStatus().getProposal();
    return a == null || a.getAnsweredAt() == null ? createdAt(p) : Instant.parse(a.getAnsweredAt());
  }

  private static EventReason reasonFor(Phase phase) {
    return switch (phase) {
      case Approved -> EventReason.ApprovedByPolicy;
      case AwaitingApproval -> EventReason.AwaitingApproval;
      default -> EventReason.Ignored;
    };
  }

  private static String describe(Phase phase) {
    return switch (phase) {
      case Approved -> "Approved by policy: no human approval required.";
      case AwaitingApproval ->
          "Waiting for approval: kubectl annotate rp NAME remediation.homelab.dev/approval=approved (or =rejected).";
      default -> "The proposal is to do nothing.";
    };
  }

  private List<Cooldown.Consultation> consultations(Context<RemediationProposal> context) {
    List<Cooldown.Consultation> out = new ArrayList<>();
    context
        .getPrimaryCache()
        .list()
        .forEach(
            other -> {
              RemediationProposalStatus s = other.getStatus();
              if (s != null
                  && s.getProposal() != null
                  && s.getProposal().getAnsweredAt() != null
                  && other.getSpec() != null) {
                out.add(
                    new Cooldown.Consultation(
                        other.getMetadata().getName(),
                        other.getSpec().getSvcKey(),
                        Instant.parse(s.getProposal().getAnsweredAt())));
              }
            });
    return out;
  }

  private void patch(RemediationProposal p, RemediationProposalStatus next) {
    status.patch(p, next);
  }

  static String key(RemediationProposal p) {
    return p.getMetadata().getName() + "@" + p.getMetadata().getUid();
  }

  private static long generation(RemediationProposal p) {
    Long g = p.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }

  private static long occurrences(RemediationProposal p) {
    Long o = p.getStatus() == null ? null : p.getStatus().getOccurrences();
    return o == null ? 1 : o;
  }

  private Instant createdAt(RemediationProposal p) {
    String c = p.getMetadata().getCreationTimestamp();
    return c == null ? clock.instant() : Instant.parse(c);
  }

  private static ProposalRequest request(RemediationProposal p) {
    return new ProposalRequest(p.getMetadata().getName(), p.getSpec(), occurrences(p));
  }

  private static SafetyPolicy.Subject subject(RemediationProposal p) {
    return new SafetyPolicy.Subject(
        p.getSpec().getNode(), p.getSpec().getEventType(), p.getSpec().getSvcKey());
  }

  private static SafetyPolicy.Answer answer(ModelAnswer a) {
    return new SafetyPolicy.Answer(
        a.action(), a.reason(), a.confidence(), a.requiresHuman(), a.target(), a.model());
  }
}
