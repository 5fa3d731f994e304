package dev.homelab.remediation.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.decision.ModelOutcome;
import dev.homelab.remediation.decision.PhaseMachine;
import dev.homelab.remediation.decision.PolicyConfig;
import dev.homelab.remediation.decision.ProposalSettings;
import dev.homelab.remediation.decision.RouterView;
import dev.homelab.remediation.decision.SafetyPolicy;
import dev.homelab.remediation.dispatch.Dispatcher;
import dev.homelab.remediation.support.TestProposals;
import dev.homelab.remediation.support.TestingPhaseListener;
import dev.homelab.remediation.support.TestingRouter;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shell around the phase machine, with the shared fakes of our own interfaces: the order of the
 * status write and the effects, the fence, the phase listener, a 404 on the write. The end-to-end
 * behaviour is proven in ProposalFlowIT on the real parts.
 */
class ProposalReconcilerTest {

  /** A StatusPatcher that records the phases written, failing the first write to one phase. */
  static final class RecordingPatcher implements StatusPatcher {
    final Phase failOn;
    final RuntimeException failure;
    final AtomicBoolean failed = new AtomicBoolean();
    final List<Phase> written = new CopyOnWriteArrayList<>();

    RecordingPatcher(Phase failOn, RuntimeException failure) {
      this.failOn = failOn;
      this.failure = failure;
    }

    @Override
    public RemediationProposal patch(RemediationProposal p, RemediationProposalStatus fields) {
      if (failOn != null && fields.getPhase() == failOn && failed.compareAndSet(false, true)) {
        throw failure;
      }
      written.add(fields.getPhase());
      return p;
    }
  }

  final TestingRouter router = new TestingRouter();
  final TestingPhaseListener phases = new TestingPhaseListener();
  final List<String> effects = new CopyOnWriteArrayList<>();

  ProposalReconciler reconciler(StatusPatcher status, boolean fenced) {
    Dispatcher dispatcher =
        action -> {
          effects.add("dispatch " + action.type());
          return new Dispatcher.Written(Path.of("/p/a.json"), Path.of("/e/a.json"), "t");
        };
    return new ProposalReconciler(
        (p, fields) -> {
          effects.add("patch " + fields.getPhase());
          return status.patch(p, fields);
        },
        (p, reason, message) -> effects.add("event " + reason),
        router,
        dispatcher,
        new PhaseMachine(
            new ProposalSettings(
                new PolicyConfig(Set.of(), Set.of(), 0.7),
                Duration.ofSeconds(300),
                Duration.ofSeconds(30),
                false,
                Duration.ofHours(24),
                Duration.ofDays(7),
                List.of("fake/model"))),
        // A minute after the test proposals were created.
        Clock.fixed(
            java.time.Instant.parse(TestProposals.CREATED).plusSeconds(60),
            java.time.ZoneOffset.UTC),
        new SimpleMeterRegistry(),
        () -> fenced,
        phases);
  }

  @SuppressWarnings("unchecked")
  static Context<RemediationProposal> emptyCacheContext() {
    IndexedResourceCache<RemediationProposal> cache =
        (IndexedResourceCache<RemediationProposal>)
            Proxy.newProxyInstance(
                ProposalReconcilerTest.class.getClassLoader(),
                new Class<?>[] {IndexedResourceCache.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("list")) {
                    return Stream.empty();
                  }
                  throw new UnsupportedOperationException(method.getName());
                });
    return (Context<RemediationProposal>)
        Proxy.newProxyInstance(
            ProposalReconcilerTest.class.getClassLoader(),
            new Class<?>[] {Context.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getPrimaryCache")) {
                return cache;
              }
              if (method.getName().equals("eventSourceRetriever")) {
                return null;
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }

  /** The proposal after the reconciler's write of {@code phase} (the shell passes it on). */
  static RemediationProposal in(Phase phase, UnaryOperator<RemediationProposal> change) {
    return change.apply(TestProposals.proposal(phase));
  }

  @Test
  void aFailedPatchToProposingQueuesNothingAndTheRetryAsksOnce() {
    RecordingPatcher status =
        new RecordingPatcher(Phase.Proposing, new IllegalStateException("injected: 500"));
    ProposalReconciler reconciler = reconciler(status, false);
    RemediationProposal p = TestProposals.proposal(Phase.Pending);

    assertThatThrownBy(() -> reconciler.reconcile(p, emptyCacheContext()))
        .hasMessageContaining("injected");
    assertThat(router.submitted()).isEmpty();
    assertThat(phases.changes()).isEmpty();

    // JOSDK retries the reconcile: now the patch works and the model is asked, once.
    reconciler.reconcile(p, emptyCacheContext());
    reconciler.reconcile(p, emptyCacheContext()); // the cache still shows Pending: nothing more
    assertThat(router.submitted()).hasSize(1);
    assertThat(status.written).containsExactly(Phase.Proposing);
    assertThat(phases.phases()).containsExactly(Phase.Proposing);
  }

  @Test
  void theStatusIsWrittenBeforeTheModelIsAskedAndTheEventRecorded() {
    ProposalReconciler reconciler = reconciler(new RecordingPatcher(null, null), false);
    RemediationProposal p = TestProposals.proposal(Phase.Pending);
    reconciler.reconcile(p, emptyCacheContext());
    assertThat(effects).containsExactly("patch Proposing", "event Proposing");
    assertThat(router.view(ProposalReconciler.key(p))).isEqualTo(RouterView.BUSY);
  }

  @Test
  void anAnswerIsStoredClaimedAndTheListenerToldOfEachPhase() {
    ProposalReconciler reconciler = reconciler(new RecordingPatcher(null, null), false);
    RemediationProposal p = TestProposals.proposal(Phase.Pending);
    String key = ProposalReconciler.key(p);
    reconciler.reconcile(p, emptyCacheContext());
    router.finish(
        key,
        new ModelOutcome.Answered(
            new SafetyPolicy.Answer("restart", "r", 0.9, false, null, "fake/model"), List.of()));

    RemediationProposal proposing = TestProposals.proposal(Phase.Proposing);
    reconciler.reconcile(proposing, emptyCacheContext());
    assertThat(router.view(key)).isEqualTo(RouterView.CLAIMED);

    // The cache lags: still Proposing, but the result was claimed: nothing is asked again.
    reconciler.reconcile(proposing, emptyCacheContext());
    assertThat(router.submitted()).hasSize(1);

    RemediationProposal approved =
        in(
            Phase.Approved,
            a -> {
              a.getStatus().setProposal(TestProposals.answered("restart", false));
              return a;
            });
    reconciler.reconcile(approved, emptyCacheContext());
    assertThat(phases.phases()).containsExactly(Phase.Proposing, Phase.Approved, Phase.Dispatched);
    assertThat(phases.changes().get(1).from()).isEqualTo(Phase.Proposing);
    assertThat(effects).contains("dispatch restart_service");
  }

  @Test
  void aStatusWriteAnswered404EndsTheReconcileQuietly() {
    RecordingPatcher gone =
        new RecordingPatcher(
            Phase.Proposing, new KubernetesClientException("not found", 404, null));
    ProposalReconciler reconciler = reconciler(gone, false);
    RemediationProposal p = TestProposals.proposal(Phase.Pending);
    assertThat(reconciler.reconcile(p, emptyCacheContext()).isNoUpdate()).isTrue();
    assertThat(router.submitted()).isEmpty();
    assertThat(effects).containsExactly("patch Proposing");
    assertThat(phases.changes()).isEmpty();
  }

  @Test
  void aStatusWriteRefusedAsStaleDoesNothingOfItsDecision() {
    RecordingPatcher stale =
        new RecordingPatcher(Phase.Proposing, new KubernetesClientException("conflict", 409, null));
    ProposalReconciler reconciler = reconciler(stale, false);
    RemediationProposal p = TestProposals.proposal(Phase.Pending);
    var control = reconciler.reconcile(p, emptyCacheContext());
    assertThat(control.isNoUpdate()).isTrue();
    assertThat(control.getScheduleDelay()).as("the newer version starts the next one").isEmpty();
    assertThat(router.submitted()).as("no model asked").isEmpty();
    assertThat(effects).containsExactly("patch Proposing");
    assertThat(phases.changes()).isEmpty();

    // The newer version arrives: decided again, once.
    reconciler.reconcile(p, emptyCacheContext());
    assertThat(router.submitted()).hasSize(1);
    assertThat(effects).containsExactly("patch Proposing", "patch Proposing", "event Proposing");
  }

  @Test
  void aFencedReconcilerHasNoEffectAtAll() {
    ProposalReconciler reconciler = reconciler(new RecordingPatcher(null, null), true);
    RemediationProposal fresh = TestProposals.proposal(null);

    assertThat(reconciler.reconcile(fresh, emptyCacheContext()).isNoUpdate()).isTrue();
    assertThat(
            reconciler
                .reconcile(TestProposals.proposal(Phase.Pending), emptyCacheContext())
                .isNoUpdate())
        .isTrue();
    assertThat(
            reconciler
                .reconcile(
                    in(
                        Phase.Approved,
                        a -> {
                          a.getStatus().setProposal(TestProposals.answered("restart", false));
                          return a;
                        }),
                    emptyCacheContext())
                .isNoUpdate())
        .isTrue();
    assertThat(router.submitted()).isEmpty();
    assertThat(effects).isEmpty();
    assertThat(phases.changes()).isEmpty();
  }
}
