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
import dev.homelab.remediation.dispatch.FileDispatcher;
import dev.homelab.remediation.support.TestProposals;
import dev.homelab.remediation.support.TestingPhaseListener;
import dev.homelab.remediation.support.TestingRouter;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell around the phase machine, with the shared fakes of our own interfaces: the order of the
 * status write and the effects, the fence, the phase listener, a 404 on the write. The end-to-end
 * behaviour is proven in ProposalFlowIT on the real parts.
 */
class ProposalReconcilerTest {

  /** A StatusPatcher that records the phases written, failing the first write to one phase. */
  static class RecordingPatcher implements StatusPatcher {
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
    return reconciler(
        status,
        fenced,
        action -> {
          effects.add("dispatch " + action.type());
          return new Dispatcher.Written(Path.of("/p/a.json"), Path.of("/e/a.json"), "t");
        });
  }

  ProposalReconciler reconciler(StatusPatcher status, boolean fenced, Dispatcher dispatcher) {
    return new ProposalReconciler(
        new StatusPatcher() {
          @Override
          public RemediationProposal patch(
              RemediationProposal p, RemediationProposalStatus fields) {
            effects.add("patch " + fields.getPhase());
            return status.patch(p, fields);
          }

          @Override
          public boolean stillAt(RemediationProposal p) {
            return status.stillAt(p);
          }

          @Override
          public RemediationProposal latest(RemediationProposal p) {
            effects.add("read");
            return status.latest(p);
          }
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

  static Context<RemediationProposal> emptyCacheContext() {
    return cacheContext(List.of());
  }

  /** A cache whose svcKey index holds {@code sameSvcKey}. */
  @SuppressWarnings("unchecked")
  static Context<RemediationProposal> cacheContext(List<RemediationProposal> sameSvcKey) {
    IndexedResourceCache<RemediationProposal> cache =
        (IndexedResourceCache<RemediationProposal>)
            Proxy.newProxyInstance(
                ProposalReconcilerTest.class.getClassLoader(),
                new Class<?>[] {IndexedResourceCache.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("list")) {
                    return Stream.empty();
                  }
                  if (method.getName().equals("byIndex")) {
                    return sameSvcKey;
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

  static final ModelOutcome CONFIDENT =
      new ModelOutcome.Answered(
          new SafetyPolicy.Answer("restart", "r", 0.9, false, null, "fake/model"), List.of());

  /**
   * Another proposal of the svcKey closed (recovered) while the model was asked for it, and the
   * cache does not show its answer: the router's view decides, so the new one neither asks while
   * that consultation runs nor after it answered; after a failed chain it asks.
   */
  @Test
  void aNewProposalGoesByTheRouterForASiblingWhoseAnswerTheCacheDoesNotShow() {
    ProposalReconciler reconciler = reconciler(new RecordingPatcher(null, null), false);
    RemediationProposal closed = TestProposals.proposal(Phase.Resolved);
    closed.getMetadata().setName("earlier");
    closed.getMetadata().setUid("uid-earlier");
    String closedKey = ProposalReconciler.key(closed);
    RemediationProposal p = TestProposals.proposal(null);
    List<RemediationProposal> both = List.of(closed, p);

    router.view(closedKey, RouterView.busy(Duration.ofSeconds(3)));
    var control = reconciler.reconcile(p, cacheContext(both));
    assertThat(router.submitted()).as("waits for the consultation under way").isEmpty();
    assertThat(effects).isEmpty();
    assertThat(control.getScheduleDelay()).isPresent();

    router.view(closedKey, RouterView.CLAIMED); // a failed chain: not a consultation
    reconciler.reconcile(p, cacheContext(both));
    assertThat(router.submitted()).containsExactly(ProposalReconciler.key(p));
  }

  /**
   * A sibling's answer inside the cooldown, known only to the router: held, it is this proposal's
   * answer too (no model call); just claimed (its write on the way, the cache behind it), the
   * proposal looks again shortly without a write; claimed long ago and still not in the cache, it
   * looks again less often (until the window ends and it may ask).
   */
  @Test
  void aSiblingsAnswerTheRouterHoldsIsReusedAndOneJustClaimedIsWaitedFor() {
    RemediationProposal closed = TestProposals.proposal(Phase.Resolved);
    closed.getMetadata().setName("earlier");
    closed.getMetadata().setUid("uid-earlier");
    String closedKey = ProposalReconciler.key(closed);
    Instant answered = Instant.parse(TestProposals.CREATED).plusSeconds(30); // 30 s before now

    ProposalReconciler reconciler = reconciler(new RecordingPatcher(null, null), false);
    RemediationProposal p = TestProposals.proposal(null);
    router.view(closedKey, new RouterView.Done(CONFIDENT, answered));
    reconciler.reconcile(p, cacheContext(List.of(closed, p)));
    assertThat(router.submitted()).isEmpty();
    assertThat(effects)
        .containsExactly(
            "dispatch restart_service", "patch Dispatched", "event Proposed", "event Dispatched");

    effects.clear();
    p = TestProposals.proposal(null);
    router.view(closedKey, new RouterView.Claimed(answered.plusSeconds(15)));
    var control = reconciler.reconcile(p, cacheContext(List.of(closed, p)));
    assertThat(effects).isEmpty();
    assertThat(control.getScheduleDelay()).contains(1000L);

    router.view(closedKey, new RouterView.Claimed(answered));
    control = reconciler.reconcile(p, cacheContext(List.of(closed, p)));
    assertThat(router.submitted()).isEmpty();
    assertThat(effects).isEmpty();
    assertThat(control.getScheduleDelay()).contains(5000L); // less often, until the window ends
  }

  @Test
  void aNewProposalsModelIsAskedWithoutAStatusWriteAndProposingWrittenAfterTheGrace() {
    ProposalReconciler reconciler = reconciler(new RecordingPatcher(null, null), false);
    RemediationProposal p = TestProposals.proposal(null);
    String key = ProposalReconciler.key(p);
    var control = reconciler.reconcile(p, emptyCacheContext());
    assertThat(effects).as("nothing written yet").isEmpty();
    assertThat(router.submitted()).containsExactly(key);
    assertThat(control.getScheduleDelay())
        .contains(ProposalSettings.DEFAULT_PROPOSING_GRACE.toMillis());

    router.busyFor(key, Duration.ofMillis(100)); // woken early: wait for the rest of the grace
    assertThat(reconciler.reconcile(p, emptyCacheContext()).getScheduleDelay()).contains(400L);
    assertThat(effects).isEmpty();

    router.busyFor(key, Duration.ofSeconds(3)); // a slow model: now a person can see it
    reconciler.reconcile(p, emptyCacheContext());
    assertThat(effects).containsExactly("patch Proposing", "event Proposing");
    assertThat(phases.phases()).containsExactly(Phase.Proposing);
    assertThat(router.submitted()).hasSize(1);
  }

  @Test
  void anInstantAnswerIsTheFilesThenOneStatusWriteAndTwoEvents() {
    ProposalReconciler reconciler = reconciler(new RecordingPatcher(null, null), false);
    RemediationProposal p = TestProposals.proposal(null);
    String key = ProposalReconciler.key(p);
    reconciler.reconcile(p, emptyCacheContext());
    router.finish(key, CONFIDENT);
    reconciler.reconcile(p, emptyCacheContext());
    assertThat(effects)
        .containsExactly(
            "dispatch restart_service", "patch Dispatched", "event Proposed", "event Dispatched");
    assertThat(router.view(key)).isEqualTo(RouterView.CLAIMED);
    assertThat(phases.changes())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.from()).isNull();
              assertThat(c.to()).isEqualTo(Phase.Dispatched);
              assertThat(c.written().getApproval().getBy()).isEqualTo("policy");
            });

    // The cache lags: still no phase, but the result was claimed: nothing is asked or written.
    reconciler.reconcile(p, emptyCacheContext());
    assertThat(router.submitted()).hasSize(1);
    assertThat(effects).hasSize(4);
  }

  /**
   * The files are on the node: their record lands on the version the cluster moved on to since the
   * check (here the intake wrote version 2 with a count of 3, which it keeps), instead of the newer
   * version being decided again without them, which could end Resolved with a restart on disk.
   */
  @Test
  void theRecordOfWrittenFilesLandsOnTheVersionTheClusterMovedOnTo() {
    List<String> sent = new CopyOnWriteArrayList<>();
    StatusPatcher movedOn =
        new StatusPatcher() {
          @Override
          public RemediationProposal patch(RemediationProposal q, RemediationProposalStatus f) {
            String version = q.getMetadata().getResourceVersion();
            sent.add(f.getPhase() + "@" + version + " occurrences " + f.getOccurrences());
            if (!"2".equals(version)) {
              throw new KubernetesClientException("conflict", 409, null);
            }
            return q;
          }

          @Override
          public RemediationProposal latest(RemediationProposal q) {
            RemediationProposal now = TestProposals.proposal(null);
            now.getMetadata().setResourceVersion("2");
            RemediationProposalStatus counted = new RemediationProposalStatus();
            counted.setOccurrences(3L);
            now.setStatus(counted);
            return now;
          }
        };
    ProposalReconciler reconciler = reconciler(movedOn, false);
    RemediationProposal p = TestProposals.proposal(null);
    p.getMetadata().setResourceVersion("1"); // as decided on, and as stillAt found it
    String key = ProposalReconciler.key(p);
    reconciler.reconcile(p, emptyCacheContext());
    router.finish(key, CONFIDENT);
    reconciler.reconcile(p, emptyCacheContext());
    assertThat(sent).containsExactly("Dispatched@1 occurrences 1", "Dispatched@2 occurrences null");
    assertThat(effects)
        .containsExactly(
            "dispatch restart_service",
            "patch Dispatched",
            "read",
            "patch Dispatched",
            "event Proposed",
            "event Dispatched");
    assertThat(router.view(key)).isEqualTo(RouterView.CLAIMED);
  }

  @Test
  void aStatusWriteThatFailsAfterTheFilesIsRetriedWithTheSameAnswer() {
    RecordingPatcher status =
        new RecordingPatcher(Phase.Dispatched, new IllegalStateException("injected: 500"));
    ProposalReconciler reconciler = reconciler(status, false);
    RemediationProposal p = TestProposals.proposal(null);
    String key = ProposalReconciler.key(p);
    reconciler.reconcile(p, emptyCacheContext());
    router.finish(key, CONFIDENT);

    assertThatThrownBy(() -> reconciler.reconcile(p, emptyCacheContext()))
        .hasMessageContaining("injected");
    assertThat(effects).containsExactly("dispatch restart_service", "patch Dispatched");
    assertThat(router.view(key)).as("the answer is kept").isInstanceOf(RouterView.Done.class);
    assertThat(phases.changes()).isEmpty();

    // JOSDK retries the reconcile: the same answer, the files again (idempotent), one write.
    reconciler.reconcile(p, emptyCacheContext());
    assertThat(router.submitted()).as("the model is not asked again").hasSize(1);
    assertThat(status.written).containsExactly(Phase.Dispatched);
    assertThat(phases.phases()).containsExactly(Phase.Dispatched);
  }

  /**
   * The files of an answer approved at once come before its status write, so the proposal is read
   * first: moved on since the decision (or gone), nothing is written and the answer waits for the
   * newer version.
   */
  @Test
  void aDraftDecidedOnAVersionTheClusterHasMovedOnFromWritesNoFiles() {
    AtomicBoolean current = new AtomicBoolean(false);
    RecordingPatcher patcher =
        new RecordingPatcher(null, null) {
          @Override
          public boolean stillAt(RemediationProposal proposal) {
            effects.add("read " + current.get());
            return current.get();
          }
        };
    ProposalReconciler reconciler = reconciler(patcher, false);
    RemediationProposal p = TestProposals.proposal(null);
    String key = ProposalReconciler.key(p);
    reconciler.reconcile(p, emptyCacheContext());
    router.finish(key, CONFIDENT);

    var control = reconciler.reconcile(p, emptyCacheContext());
    assertThat(control.isNoUpdate()).isTrue();
    assertThat(effects).containsExactly("read false");
    assertThat(router.view(key)).as("the answer is kept").isInstanceOf(RouterView.Done.class);

    current.set(true);
    reconciler.reconcile(p, emptyCacheContext());
    assertThat(effects)
        .containsExactly(
            "read false",
            "read true",
            "dispatch restart_service",
            "patch Dispatched",
            "event Proposed",
            "event Dispatched");
  }

  @Test
  void aStatusWriteAnswered404EndsTheReconcileQuietly() {
    RecordingPatcher gone =
        new RecordingPatcher(
            Phase.Dispatched, new KubernetesClientException("not found", 404, null));
    ProposalReconciler reconciler = reconciler(gone, false);
    RemediationProposal p = TestProposals.proposal(null);
    reconciler.reconcile(p, emptyCacheContext());
    router.finish(ProposalReconciler.key(p), CONFIDENT);
    assertThat(reconciler.reconcile(p, emptyCacheContext()).isNoUpdate()).isTrue();
    assertThat(effects).containsExactly("dispatch restart_service", "patch Dispatched");
    assertThat(phases.changes()).isEmpty();
  }

  /**
   * A status write refused as stale (409) after the files were written, every time (the cluster
   * keeps moving): after three re-reads the decision is given up, and the newer version's reconcile
   * decides again: the same pending action and no second remediation_started event (the real
   * dispatcher, real files).
   */
  @Test
  void aStatusWriteRefusedAsStaleAfterTheFilesWritesNoSecondEvent(@TempDir Path dir)
      throws Exception {
    Path pending = Files.createDirectories(dir.resolve("pending"));
    Path events = Files.createDirectories(dir.resolve("events"));
    Clock clock = Clock.fixed(Instant.parse(TestProposals.CREATED).plusSeconds(60), ZoneOffset.UTC);
    FileDispatcher files = new FileDispatcher(pending, events, () -> "solaria", clock);
    AtomicBoolean refusing = new AtomicBoolean(true);
    StatusPatcher stale =
        (q, fields) -> {
          if (refusing.get()) {
            throw new KubernetesClientException("conflict", 409, null);
          }
          return q;
        };
    ProposalReconciler reconciler =
        reconciler(
            stale,
            false,
            action -> {
              effects.add("dispatch " + action.type());
              return files.dispatch(action);
            });
    RemediationProposal p = TestProposals.proposal(null);
    String key = ProposalReconciler.key(p);
    reconciler.reconcile(p, emptyCacheContext());
    router.finish(key, CONFIDENT);

    var control = reconciler.reconcile(p, emptyCacheContext());
    assertThat(control.isNoUpdate()).isTrue();
    assertThat(control.getScheduleDelay()).as("the newer version starts the next one").isEmpty();
    assertThat(effects)
        .as("the write, then three re-reads and writes: bounded")
        .containsExactly(
            "dispatch restart_service",
            "patch Dispatched",
            "read",
            "patch Dispatched",
            "read",
            "patch Dispatched",
            "read",
            "patch Dispatched");
    assertThat(router.view(key)).as("nothing claimed").isInstanceOf(RouterView.Done.class);
    assertThat(phases.changes()).isEmpty();
    byte[] firstPending = Files.readAllBytes(onlyFile(pending));
    Path firstEvent = onlyFile(events);

    // The newer version: decided again from the same answer, and the cluster takes it this time.
    effects.clear();
    refusing.set(false);
    reconciler.reconcile(p, emptyCacheContext());
    assertThat(effects)
        .containsExactly(
            "dispatch restart_service", "patch Dispatched", "event Proposed", "event Dispatched");
    assertThat(onlyFile(pending)).as("one pending action").hasBinaryContent(firstPending);
    assertThat(onlyFile(events)).as("one remediation_started event").isEqualTo(firstEvent);
    assertThat(router.submitted()).hasSize(1);
  }

  static Path onlyFile(Path dir) throws java.io.IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> all = s.toList();
      assertThat(all).hasSize(1);
      return all.get(0);
    }
  }

  @Test
  void aProposalLeftPendingByAnOlderVersionIsAskedWithoutAWrite() {
    ProposalReconciler reconciler = reconciler(new RecordingPatcher(null, null), false);
    RemediationProposal p = TestProposals.proposal(Phase.Pending);
    reconciler.reconcile(p, emptyCacheContext());
    assertThat(router.submitted()).hasSize(1);
    assertThat(effects).isEmpty();
    router.finish(ProposalReconciler.key(p), CONFIDENT);
    reconciler.reconcile(p, emptyCacheContext());
    assertThat(effects)
        .containsExactly(
            "dispatch restart_service", "patch Dispatched", "event Proposed", "event Dispatched");
    assertThat(phases.changes().get(0).from()).isEqualTo(Phase.Pending);
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
