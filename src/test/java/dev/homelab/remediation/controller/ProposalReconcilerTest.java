package dev.homelab.remediation.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.decision.PhaseMachine;
import dev.homelab.remediation.decision.PolicyConfig;
import dev.homelab.remediation.decision.ProposalSettings;
import dev.homelab.remediation.llm.ChainResult;
import dev.homelab.remediation.llm.ModelAnswer;
import dev.homelab.remediation.llm.ModelChain;
import dev.homelab.remediation.llm.ModelRouter;
import dev.homelab.remediation.llm.ProposalRequest;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The reconciler's ordering against a status write that fails, with hand-written fakes of our own
 * interfaces (the end-to-end behaviour is proven in ProposalFlowIT on the real parts).
 */
class ProposalReconcilerTest {

  /** A StatusPatcher that fails the first patch to the given phase, like an API 500 would. */
  static final class FailingOnce implements StatusPatcher {
    final Phase failOn;
    final AtomicBoolean failed = new AtomicBoolean();
    final List<Phase> written = new CopyOnWriteArrayList<>();

    FailingOnce(Phase failOn) {
      this.failOn = failOn;
    }

    @Override
    public RemediationProposal patch(RemediationProposal p, RemediationProposalStatus fields) {
      if (fields.getPhase() == failOn && failed.compareAndSet(false, true)) {
        throw new IllegalStateException("injected: API server answered 500");
      }
      written.add(fields.getPhase());
      return p;
    }
  }

  static final class CountingChain implements ModelChain {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public ChainResult ask(ProposalRequest request) {
      calls.incrementAndGet();
      return new ChainResult.Answered(
          new ModelAnswer("restart", "r", 0.9, false, null, "fake/model"), List.of());
    }

    @Override
    public List<String> models() {
      return List.of("fake/model");
    }
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

  static RemediationProposal pending() {
    RemediationProposal p = new RemediationProposal();
    p.setMetadata(
        new ObjectMetaBuilder()
            .withName("solaria-ollama-0123456789")
            .withNamespace("homelab")
            .withUid("3f1c9a2e-0000-4000-8000-000000000000")
            .withGeneration(1L)
            .withCreationTimestamp("2026-05-27T17:11:40Z")
            .build());
    RemediationProposalSpec spec = new RemediationProposalSpec();
    spec.setSvcKey("solaria/ollama");
    spec.setNode("solaria");
    spec.setService("ollama");
    spec.setEventType("service_unhealthy");
    spec.setSeverity("warning");
    spec.setObservedAt("2026-05-27T17:11:39Z");
    p.setSpec(spec);
    RemediationProposalStatus status = new RemediationProposalStatus();
    status.setPhase(Phase.Pending);
    p.setStatus(status);
    return p;
  }

  @Test
  void aFailedPatchToProposingQueuesNothingAndTheRetryAsksOnce() {
    FailingOnce status = new FailingOnce(Phase.Proposing);
    CountingChain chain = new CountingChain();
    try (ModelRouter router = new ModelRouter(chain, 1, new SimpleMeterRegistry())) {
      ProposalReconciler reconciler =
          new ProposalReconciler(
              status,
              (p, reason, message) -> {},
              router,
              (action) -> {
                throw new AssertionError("nothing is dispatched here");
              },
              new PhaseMachine(
                  new ProposalSettings(
                      new PolicyConfig(Set.of(), Set.of(), 0.7),
                      Duration.ofSeconds(300),
                      Duration.ofSeconds(30),
                      false,
                      Duration.ofHours(24),
                      Duration.ofDays(7),
                      chain.models())),
              Clock.systemUTC(),
              new SimpleMeterRegistry(),
              () -> false);
      Context<RemediationProposal> context = emptyCacheContext();
      RemediationProposal p = pending();

      assertThatThrownBy(() -> reconciler.reconcile(p, context)).hasMessageContaining("injected");
      assertThat(router.busy(ProposalReconciler.key(p))).isFalse();
      assertThat(chain.calls.get()).isZero();

      // JOSDK retries the reconcile: now the patch works and the model is asked, once.
      reconciler.reconcile(p, context);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> router.result(ProposalReconciler.key(p)).isPresent());
      assertThat(chain.calls.get()).isEqualTo(1);
      assertThat(status.written).containsExactly(Phase.Proposing);
    }
  }

  @Test
  void aFencedReconcilerHasNoEffectAtAll() {
    CountingChain chain = new CountingChain();
    List<String> effects = new CopyOnWriteArrayList<>();
    try (ModelRouter router = new ModelRouter(chain, 1, new SimpleMeterRegistry())) {
      ProposalReconciler reconciler =
          new ProposalReconciler(
              (p, fields) -> {
                effects.add("patch " + fields.getPhase());
                return p;
              },
              (p, reason, message) -> effects.add("event " + reason),
              router,
              action -> {
                effects.add("dispatch");
                return null;
              },
              new PhaseMachine(
                  new ProposalSettings(
                      new PolicyConfig(Set.of(), Set.of(), 0.7),
                      Duration.ofSeconds(300),
                      Duration.ofSeconds(30),
                      false,
                      Duration.ofHours(24),
                      Duration.ofDays(7),
                      chain.models())),
              Clock.systemUTC(),
              new SimpleMeterRegistry(),
              () -> true);
      RemediationProposal fresh = pending();
      fresh.setStatus(null);

      assertThat(reconciler.reconcile(fresh, emptyCacheContext()).isNoUpdate()).isTrue();
      assertThat(reconciler.reconcile(pending(), emptyCacheContext()).isNoUpdate()).isTrue();
      assertThat(router.busy(ProposalReconciler.key(fresh))).isFalse();
      assertThat(effects).isEmpty();
      assertThat(chain.calls.get()).isZero();
    }
  }
}
