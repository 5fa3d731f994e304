package dev.homelab.remediation.decision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.homelab.remediation.api.v1alpha1.ApprovalRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.support.TestProposals;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The phase machine, row by row: each phase × each observation → the next phase (or no write), the
 * effects, and when to look again. An injected time, no I/O. A second property holds for every row:
 * once the decision's own status write is seen, deciding again writes nothing and records nothing
 * (the operator's own writes never start work early).
 */
class PhaseMachineTest {
  static final Instant CREATED = Instant.parse(TestProposals.CREATED);
  static final Instant NOW = CREATED.plusSeconds(60);
  static final Duration BASE = Duration.ofSeconds(30);
  static final Duration TTL = Duration.ofHours(24);
  static final Duration RETENTION = Duration.ofDays(7);
  static final Duration COOLDOWN = Duration.ofSeconds(300);
  static final Duration GRACE = ProposalSettings.DEFAULT_PROPOSING_GRACE;
  static final DispatchOutcome WRITTEN =
      new DispatchOutcome.Written("id", "/p/id.json", "/e/x-remediation_started-id.json");

  static final ProposalSettings SETTINGS =
      new ProposalSettings(
          new PolicyConfig(java.util.Set.of("chelsty"), java.util.Set.of("disk_pressure"), 0.7),
          COOLDOWN,
          BASE,
          false,
          TTL,
          RETENTION,
          List.of("ollama/llama3.1:8b"));
  static final PhaseMachine MACHINE = new PhaseMachine(SETTINGS);
  static final PhaseMachine EXECUTOR_MODE =
      new PhaseMachine(
          new ProposalSettings(
              SETTINGS.policy(), COOLDOWN, BASE, true, TTL, RETENTION, SETTINGS.models()));

  /** One row's observation, built from a phase with small mutators. */
  static final class Obs {
    String name = TestProposals.NAME;
    RemediationProposalSpec spec = TestProposals.spec();
    RemediationProposalStatus status;
    Map<String, String> annotations = new HashMap<>();
    RouterView router = RouterView.IDLE;
    Optional<DispatchOutcome> dispatch = Optional.empty();
    List<Cooldown.Consultation> consultations = new ArrayList<>();
    List<Sibling> siblings = new ArrayList<>();
    List<Silences.Silence> silences = new ArrayList<>();
    Instant now = NOW;

    Obs(Phase phase) {
      status = phase == null ? null : TestProposals.status(phase);
    }

    Observation build() {
      return new Observation(
          name,
          TestProposals.UID,
          CREATED,
          1,
          annotations,
          spec,
          status,
          router,
          dispatch,
          consultations,
          siblings,
          silences,
          now);
    }
  }

  static ModelOutcome answer(String action, double confidence, boolean human) {
    return new ModelOutcome.Answered(
        new SafetyPolicy.Answer(action, "r", confidence, human, null, "ollama/llama3.1:8b"),
        List.of());
  }

  static ProposedAction answered(Instant at) {
    ProposedAction a = new ProposedAction();
    a.setAction("restart");
    a.setExecutorType("restart_service");
    a.setTarget("solaria/ollama");
    a.setReason("r");
    a.setConfidence(0.5);
    a.setRequiresHuman(true);
    a.setModel("ollama/llama3.1:8b");
    a.setAnsweredAt(at.toString());
    return a;
  }

  static Obs awaiting() {
    Obs o = new Obs(Phase.AwaitingApproval);
    o.status.setProposal(answered(NOW.minusSeconds(30)));
    return o;
  }

  static Obs approved() {
    Obs o = new Obs(Phase.Approved);
    ProposedAction a = answered(NOW.minusSeconds(30));
    a.setRequiresHuman(false);
    o.status.setProposal(a);
    return o;
  }

  static Obs failed(int attempts, Instant last, Instant next) {
    Obs o = new Obs(Phase.Failed);
    o.status.setAttempts(attempts);
    o.status.setLastAttemptAt(last.toString());
    o.status.setNextAttemptAt(next.toString());
    o.status.setOccurrencesAtFailure(1L);
    return o;
  }

  static Obs finished(Phase phase, Instant completedAt) {
    Obs o = new Obs(phase);
    o.status.setCompletedAt(completedAt.toString());
    return o;
  }

  /** Seen at lastSeen, and a benign event at {@code recoveredAt}. */
  static Obs recovering(Obs o, Instant lastSeen, Instant recoveredAt) {
    o.status.setLastSeen(lastSeen.toString());
    o.status.setRecoveredAt(recoveredAt.toString());
    return o;
  }

  /** Dispatched {@code ago} before NOW with {@code occurrences} folded in at the time. */
  static Obs dispatchedAgo(Duration ago, long occurrences) {
    Obs o = new Obs(Phase.Dispatched);
    o.status.setProposal(answered(NOW.minus(ago).minusSeconds(1)));
    dev.homelab.remediation.api.v1alpha1.DispatchRecord d =
        new dev.homelab.remediation.api.v1alpha1.DispatchRecord();
    d.setAt(NOW.minus(ago).toString());
    d.setOccurrences(occurrences);
    o.status.setDispatch(d);
    o.status.setOccurrences(occurrences);
    o.status.setCompletedAt(d.getAt());
    return o;
  }

  static Sibling dispatchedSibling(String name, Instant at, String approvedBy, String outcome) {
    return new Sibling(
        name,
        at.minusSeconds(5),
        Phase.Dispatched,
        "restart",
        at.minusSeconds(2),
        at,
        approvedBy,
        outcome,
        outcome == null ? null : at.plusSeconds(60));
  }

  /** {@code o} with silence sil-1 on services matching {@code service}, from CREATED to endsAt. */
  static Obs silencedBy(Obs o, String service, Instant endsAt) {
    o.silences.add(new Silences.Silence("sil-1", null, service, null, CREATED, endsAt));
    return o;
  }

  static Obs with(Obs o, UnaryOperator<Obs> change) {
    return change.apply(o);
  }

  /**
   * A row: the observation, the machine, the phase written (null: no status write), the effects in
   * order (Event reasons by name), and the recheck (null: none).
   */
  record Row(
      String name,
      Obs obs,
      PhaseMachine machine,
      Phase writes,
      List<String> effects,
      Duration recheck) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Row row(String name, Obs o, Phase writes, List<String> effects, Duration recheck) {
    return new Row(name, o, MACHINE, writes, effects, recheck);
  }

  static Stream<Arguments> table() {
    Instant t0 = NOW.minusSeconds(10); // the last attempt
    return Stream.of(
            row(
                "new → ask, nothing written, look again at the grace",
                new Obs(null),
                null,
                List.of("Ask"),
                GRACE),
            row(
                "new, model busy inside the grace → look again when it ends",
                with(new Obs(null), o -> setRouter(o, RouterView.busy(Duration.ofMillis(200)))),
                null,
                List.of(),
                GRACE.minusMillis(200)),
            row(
                "new, model still busy after the grace → Proposing, visible now",
                with(new Obs(null), o -> setRouter(o, RouterView.busy(GRACE))),
                Phase.Proposing,
                List.of("Event:Proposing"),
                null),
            row(
                "new, result claimed (the answer is written, the cache lags) → nothing",
                with(new Obs(null), o -> setRouter(o, RouterView.CLAIMED)),
                null,
                List.of(),
                null),
            row(
                "new, answered, the intake's count already written → the files at once",
                with(
                    new Obs(null),
                    o -> {
                      o.router = new RouterView.Done(answer("restart", 0.9, false));
                      o.status = new RemediationProposalStatus();
                      o.status.setOccurrences(3L);
                      o.now = CREATED.plusMillis(300);
                      return o;
                    }),
                Phase.Approved,
                List.of("WriteFiles"),
                null),
            row(
                "new, confident answer → the files first (a draft of Approved)",
                with(
                    new Obs(null),
                    o -> setRouter(o, new RouterView.Done(answer("restart", 0.9, false)))),
                Phase.Approved,
                List.of("WriteFiles"),
                null),
            row(
                "new, confident answer, files written → Dispatched in one write, two Events",
                with(
                    new Obs(null),
                    o -> {
                      o.router = new RouterView.Done(answer("restart", 0.9, false));
                      o.dispatch = Optional.of(WRITTEN);
                      return o;
                    }),
                Phase.Dispatched,
                List.of("Claim", "Event:Proposed", "Event:Dispatched"),
                null),
            row(
                "new, confident answer, the write failed → Approved, retry in 2 s, in one write",
                with(
                    new Obs(null),
                    o -> {
                      o.router = new RouterView.Done(answer("restart", 0.9, false));
                      o.dispatch = Optional.of(new DispatchOutcome.Failed("read-only"));
                      return o;
                    }),
                Phase.Approved,
                List.of("Claim", "Event:Proposed", "Event:DispatchFailed"),
                Duration.ofSeconds(2)),
            row(
                "new, unsure answer → AwaitingApproval in one write",
                with(
                    new Obs(null),
                    o -> setRouter(o, new RouterView.Done(answer("restart", 0.5, false)))),
                Phase.AwaitingApproval,
                List.of("Claim", "Event:Proposed", "Event:AwaitingApproval"),
                TTL),
            row(
                "new, every model failed on the first try → Failed, retry after the base",
                with(
                    new Obs(null),
                    o ->
                        setRouter(
                            o, new RouterView.Done(new ModelOutcome.Failed(List.of("m: 500"))))),
                Phase.Failed,
                List.of("Claim", "Event:ChainFailed"),
                BASE),
            row(
                "new inside the cooldown its answer not seen yet → looks again, nothing written",
                with(
                    new Obs(null),
                    o -> {
                      o.consultations.add(
                          new Cooldown.Consultation(
                              "other", "solaria/ollama", NOW.minusSeconds(100)));
                      return o;
                    }),
                null,
                List.of(),
                Asking.UNDER_WAY_RECHECK),
            row(
                "new, recovered before anything was written → Resolved",
                with(
                    new Obs(null),
                    o -> {
                      o.status = new RemediationProposalStatus();
                      o.status.setLastSeen(NOW.minusSeconds(20).toString());
                      o.status.setRecoveredAt(NOW.minusSeconds(5).toString());
                      o.router = RouterView.BUSY;
                      return o;
                    }),
                Phase.Resolved,
                List.of("Event:Recovered"),
                null),
            row(
                "new past APPROVAL_TTL (the operator was down) → Expired, nothing asked",
                with(
                    new Obs(null),
                    o -> {
                      o.now = CREATED.plus(TTL);
                      return o;
                    }),
                Phase.Expired,
                List.of("Event:Expired"),
                null),
            row(
                "new, approved early, unsure answer → AwaitingApproval, stale, warned at once",
                with(
                    new Obs(null),
                    o -> {
                      annotate(o, "approved", "mallory");
                      o.router = new RouterView.Done(answer("restart", 0.5, false));
                      return o;
                    }),
                Phase.AwaitingApproval,
                List.of(
                    "Claim", "Event:Proposed", "Event:AwaitingApproval", "Event:ApprovalIgnored"),
                TTL),
            row(
                "new, approved early, dispatched at once → the warning with that write",
                with(
                    new Obs(null),
                    o -> {
                      annotate(o, "approved", "mallory");
                      o.router = new RouterView.Done(answer("restart", 0.9, false));
                      o.dispatch = Optional.of(WRITTEN);
                      return o;
                    }),
                Phase.Dispatched,
                List.of("Claim", "Event:Proposed", "Event:Dispatched", "Event:ApprovalIgnored"),
                null),
            row(
                "new, approved early, model busy → no write of its own for the warning",
                with(
                    new Obs(null),
                    o -> {
                      annotate(o, "approved", "mallory");
                      o.router = RouterView.busy(Duration.ofMillis(100));
                      return o;
                    }),
                null,
                List.of(),
                GRACE.minusMillis(100)),
            row(
                "new, an active silence matches → Silenced, no model call",
                with(new Obs(null), o -> silencedBy(o, "oll*", NOW.plusSeconds(3600))),
                Phase.Silenced,
                List.of("Event:Silenced"),
                null),
            row(
                "Pending (an older version's), a silence that has ended → asks",
                with(new Obs(Phase.Pending), o -> silencedBy(o, "ollama", NOW.minusSeconds(1))),
                null,
                List.of("Ask"),
                GRACE),
            row(
                "Pending (an older version's), router idle → asks, nothing written",
                new Obs(Phase.Pending),
                null,
                List.of("Ask"),
                GRACE),
            row(
                "Pending inside the cooldown its answer not seen yet → looks again, nothing written",
                with(
                    new Obs(Phase.Pending),
                    o -> {
                      o.consultations.add(
                          new Cooldown.Consultation(
                              "other", "solaria/ollama", NOW.minusSeconds(100)));
                      return o;
                    }),
                null,
                List.of(),
                Asking.UNDER_WAY_RECHECK),
            row(
                "Pending, an older consultation outside the window → asks",
                with(
                    new Obs(Phase.Pending),
                    o -> {
                      o.consultations.add(
                          new Cooldown.Consultation(
                              "other", "solaria/ollama", NOW.minusSeconds(301)));
                      return o;
                    }),
                null,
                List.of("Ask"),
                GRACE),
            row(
                "Pending, router busy (just asked) → look again at the grace",
                with(new Obs(Phase.Pending), o -> setRouter(o, RouterView.BUSY)),
                null,
                List.of(),
                GRACE),
            row(
                "Pending, router busy after the grace → Proposing",
                with(
                    new Obs(Phase.Pending),
                    o -> setRouter(o, RouterView.busy(GRACE.plusMillis(1)))),
                Phase.Proposing,
                List.of("Event:Proposing"),
                null),
            row(
                "Pending, result just claimed (cache lags) → nothing",
                with(new Obs(Phase.Pending), o -> setRouter(o, RouterView.CLAIMED)),
                null,
                List.of(),
                null),
            row(
                "Pending, answer there → applied: the files first",
                with(
                    new Obs(Phase.Pending),
                    o -> setRouter(o, new RouterView.Done(answer("restart", 0.9, false)))),
                Phase.Approved,
                List.of("WriteFiles"),
                null),
            row(
                "Proposing, confident answer → Approved by policy: the files first",
                with(
                    new Obs(Phase.Proposing),
                    o -> setRouter(o, new RouterView.Done(answer("restart", 0.9, false)))),
                Phase.Approved,
                List.of("WriteFiles"),
                null),
            row(
                "Proposing, confident answer, a silence put on meanwhile → Silenced, nothing written",
                with(
                    new Obs(Phase.Proposing),
                    o ->
                        silencedBy(
                            setRouter(o, new RouterView.Done(answer("restart", 0.9, false))),
                            "oll*",
                            NOW.plusSeconds(3600))),
                Phase.Silenced,
                List.of("Claim", "Event:Silenced"),
                null),
            row(
                "Failed, an answer at last, a silence put on meanwhile → Silenced",
                with(
                    failed(1, NOW.minus(BASE), NOW),
                    o ->
                        silencedBy(
                            setRouter(o, new RouterView.Done(answer("restart", 0.9, false))),
                            "ollama",
                            NOW.plusSeconds(3600))),
                Phase.Silenced,
                List.of("Claim", "Event:Silenced"),
                null),
            row(
                "Proposing, confident answer, files written → Dispatched in one write",
                with(
                    new Obs(Phase.Proposing),
                    o -> {
                      o.router = new RouterView.Done(answer("restart", 0.9, false));
                      o.dispatch = Optional.of(WRITTEN);
                      return o;
                    }),
                Phase.Dispatched,
                List.of("Claim", "Event:Proposed", "Event:Dispatched"),
                null),
            row(
                "Proposing, unsure answer → AwaitingApproval, look again at expiry",
                with(
                    new Obs(Phase.Proposing),
                    o -> setRouter(o, new RouterView.Done(answer("restart", 0.5, false)))),
                Phase.AwaitingApproval,
                List.of("Claim", "Event:Proposed", "Event:AwaitingApproval"),
                TTL),
            row(
                "Proposing, ignore → Ignored",
                with(
                    new Obs(Phase.Proposing),
                    o -> setRouter(o, new RouterView.Done(answer("ignore", 0.9, false)))),
                Phase.Ignored,
                List.of("Claim", "Event:Proposed"),
                null),
            row(
                "Proposing, ignore with low confidence → waits for a person, not Ignored",
                with(
                    new Obs(Phase.Proposing),
                    o -> setRouter(o, new RouterView.Done(answer("ignore", 0.2, false)))),
                Phase.AwaitingApproval,
                List.of("Claim", "Event:Proposed", "Event:AwaitingApproval"),
                TTL),
            row(
                "Proposing, ignore the model says needs a human → waits for a person",
                with(
                    new Obs(Phase.Proposing),
                    o -> setRouter(o, new RouterView.Done(answer("ignore", 0.95, true)))),
                Phase.AwaitingApproval,
                List.of("Claim", "Event:Proposed", "Event:AwaitingApproval"),
                TTL),
            new Row(
                "Proposing, executor mode, ignore that needs a human → Ignored, nothing written",
                with(
                    new Obs(Phase.Proposing),
                    o -> setRouter(o, new RouterView.Done(answer("ignore", 0.2, false)))),
                EXECUTOR_MODE,
                Phase.Ignored,
                List.of("Claim", "Event:Proposed"),
                null),
            row(
                "AwaitingApproval to ignore, approved → Ignored, no files",
                with(
                    awaiting(),
                    o -> {
                      o.status.getProposal().setAction("ignore");
                      o.status.getProposal().setExecutorType(null);
                      return annotate(o, "approved", "alice");
                    }),
                Phase.Ignored,
                List.of("Event:Approved"),
                null),
            row(
                "AwaitingApproval to ignore, rejected → Rejected",
                with(
                    awaiting(),
                    o -> {
                      o.status.getProposal().setAction("ignore");
                      o.status.getProposal().setExecutorType(null);
                      return annotate(o, "rejected", "alice");
                    }),
                Phase.Rejected,
                List.of("Event:Rejected"),
                null),
            new Row(
                "Proposing, executor mode, needs a human → Approved by executor",
                with(
                    new Obs(Phase.Proposing),
                    o -> setRouter(o, new RouterView.Done(answer("restart", 0.5, false)))),
                EXECUTOR_MODE,
                Phase.Approved,
                List.of("WriteFiles"),
                null),
            new Row(
                "new, executor mode, needs a human, files written → Dispatched, two Events",
                with(
                    new Obs(null),
                    o -> {
                      o.router = new RouterView.Done(answer("restart", 0.5, false));
                      o.dispatch = Optional.of(WRITTEN);
                      return o;
                    }),
                EXECUTOR_MODE,
                Phase.Dispatched,
                List.of("Claim", "Event:Proposed", "Event:Dispatched"),
                null),
            row(
                "Proposing, every model failed → Failed, retry after the base",
                with(
                    new Obs(Phase.Proposing),
                    o ->
                        setRouter(
                            o, new RouterView.Done(new ModelOutcome.Failed(List.of("m: 500"))))),
                Phase.Failed,
                List.of("Claim", "Event:ChainFailed"),
                BASE),
            row(
                "Proposing, router idle (restart) → ask again, no write",
                new Obs(Phase.Proposing),
                null,
                List.of("Ask"),
                null),
            row(
                "Proposing, router busy → nothing",
                with(new Obs(Phase.Proposing), o -> setRouter(o, RouterView.BUSY)),
                null,
                List.of(),
                null),
            row(
                "Proposing, result claimed (cache lags) → nothing",
                with(new Obs(Phase.Proposing), o -> setRouter(o, RouterView.CLAIMED)),
                null,
                List.of(),
                null),
            row(
                "Failed, not due → look again when due",
                failed(1, t0, t0.plus(BASE)),
                null,
                List.of(),
                Duration.ofSeconds(20)),
            row(
                "Failed, due → Proposing, ask",
                failed(1, NOW.minus(BASE), NOW),
                Phase.Proposing,
                List.of("Ask", "Event:Retrying"),
                null),
            row(
                "Failed, due, an active silence matches → Silenced, no retry",
                with(
                    failed(1, NOW.minus(BASE), NOW),
                    o -> silencedBy(o, "oll*", NOW.plusSeconds(3600))),
                Phase.Silenced,
                List.of("Event:Silenced"),
                null),
            row(
                "Failed, due, a silence that has ended → asks",
                with(
                    failed(1, NOW.minus(BASE), NOW),
                    o -> silencedBy(o, "ollama", NOW.minusSeconds(1))),
                Phase.Proposing,
                List.of("Ask", "Event:Retrying"),
                null),
            row(
                "Failed, a new event inside the base → still waits for the base",
                with(
                    failed(3, t0, t0.plusSeconds(240)),
                    o -> {
                      o.status.setOccurrences(500L);
                      return o;
                    }),
                null,
                List.of(),
                Duration.ofSeconds(20)),
            row(
                "Failed, a new event after the base → asks before the backoff ends",
                with(
                    failed(3, NOW.minus(BASE), NOW.plusSeconds(200)),
                    o -> {
                      o.status.setOccurrences(2L);
                      return o;
                    }),
                Phase.Proposing,
                List.of("Ask", "Event:Retrying"),
                null),
            row(
                "Failed, claimed result (the failure just written) → waits for the schedule",
                with(failed(1, NOW, NOW.plus(BASE)), o -> setRouter(o, RouterView.CLAIMED)),
                null,
                List.of(),
                BASE),
            row(
                "Failed, router busy → nothing",
                with(failed(1, NOW.minus(BASE), NOW), o -> setRouter(o, RouterView.BUSY)),
                null,
                List.of(),
                null),
            row(
                "Failed past APPROVAL_TTL since creation → Expired",
                with(
                    failed(9, NOW.minus(BASE), NOW),
                    o -> {
                      o.now = CREATED.plus(TTL);
                      return o;
                    }),
                Phase.Expired,
                List.of("Event:Expired"),
                null),
            row(
                "Proposing past APPROVAL_TTL since creation (operator was down) → Expired",
                with(
                    new Obs(Phase.Proposing),
                    o -> {
                      o.now = CREATED.plus(TTL);
                      return o;
                    }),
                Phase.Expired,
                List.of("Event:Expired"),
                null),
            row(
                "Pending past APPROVAL_TTL, the model's answer there → Expired, answer dropped",
                with(
                    new Obs(Phase.Pending),
                    o -> {
                      o.now = CREATED.plus(TTL).plusSeconds(1);
                      o.router = new RouterView.Done(answer("restart", 0.9, false));
                      return o;
                    }),
                Phase.Expired,
                List.of("Claim", "Event:Expired"),
                null),
            row(
                "Dispatched, an event observed after it folded in → Recurred",
                with(
                    dispatchedAgo(Duration.ofMinutes(5), 3),
                    o -> {
                      o.status.setLastSeen(NOW.minusSeconds(30).toString());
                      return o;
                    }),
                null,
                List.of("Event:Outcome"),
                null),
            row(
                "Dispatched, events observed before it but written later → no outcome yet",
                with(
                    dispatchedAgo(Duration.ofMinutes(5), 3),
                    o -> {
                      o.status.setOccurrences(40L);
                      o.status.setLastSeen(NOW.minus(Duration.ofMinutes(6)).toString());
                      return o;
                    }),
                null,
                List.of(),
                Duration.ofMinutes(10)),
            row(
                "AwaitingApproval, no annotation → look again at expiry",
                awaiting(),
                null,
                List.of(),
                TTL.minusSeconds(30)),
            row(
                "AwaitingApproval, approved → the files first (a draft of Approved)",
                with(awaiting(), o -> annotate(o, "approved", "alice")),
                Phase.Approved,
                List.of("WriteFiles"),
                null),
            row(
                "AwaitingApproval, approved, files written → Dispatched in one write",
                with(
                    awaiting(),
                    o -> {
                      annotate(o, "approved", "alice");
                      o.dispatch = Optional.of(WRITTEN);
                      return o;
                    }),
                Phase.Dispatched,
                List.of("Event:Approved", "Event:Dispatched"),
                null),
            row(
                "AwaitingApproval, rejected → Rejected",
                with(awaiting(), o -> annotate(o, "rejected", null)),
                Phase.Rejected,
                List.of("Event:Rejected"),
                null),
            row(
                "AwaitingApproval, approved after the TTL (operator was down) → Expired",
                with(
                    awaiting(),
                    o -> {
                      annotate(o, "approved", "alice");
                      o.now = NOW.plus(TTL);
                      return o;
                    }),
                Phase.Expired,
                List.of("Event:Expired", "Event:ApprovalIgnored"),
                null),
            row(
                "AwaitingApproval, an unknown value → one warning",
                with(awaiting(), o -> annotate(o, "maybe", null)),
                Phase.AwaitingApproval,
                List.of("Event:ApprovalIgnored"),
                TTL.minusSeconds(30)),
            row(
                "AwaitingApproval, the unknown value already warned about → nothing",
                with(
                    awaiting(),
                    o -> {
                      annotate(o, "maybe", null);
                      o.status.setIgnoredApproval("maybe");
                      return o;
                    }),
                null,
                List.of(),
                TTL.minusSeconds(30)),
            row(
                "AwaitingApproval, an early approval still there → one warning, no approval",
                with(
                    awaiting(),
                    o -> {
                      annotate(o, "approved", null);
                      o.status.setStaleApproval("approved");
                      return o;
                    }),
                Phase.AwaitingApproval,
                List.of("Event:ApprovalIgnored"),
                TTL.minusSeconds(30)),
            row(
                "AwaitingApproval, the early approval removed → cleared",
                with(
                    awaiting(),
                    o -> {
                      o.status.setStaleApproval("approved");
                      return o;
                    }),
                Phase.AwaitingApproval,
                List.of(),
                TTL.minusSeconds(30)),
            row("Approved → write the files", approved(), null, List.of("WriteFiles"), null),
            row(
                "Approved, files written → Dispatched",
                with(
                    approved(),
                    o -> {
                      o.dispatch =
                          Optional.of(new DispatchOutcome.Written("id", "/p/id.json", "/e/x.json"));
                      return o;
                    }),
                Phase.Dispatched,
                List.of("Event:Dispatched"),
                null),
            row(
                "Approved, the write failed → stays Approved, retry in 2 s",
                with(
                    approved(),
                    o -> {
                      o.dispatch = Optional.of(new DispatchOutcome.Failed("read-only"));
                      return o;
                    }),
                Phase.Approved,
                List.of("Event:DispatchFailed"),
                Duration.ofSeconds(2)),
            row(
                "Approved, third failure scheduled → waits (own write starts nothing)",
                with(
                    approved(),
                    o -> {
                      o.status.setAttempts(3);
                      o.status.setNextAttemptAt(NOW.plusSeconds(8).toString());
                      return o;
                    }),
                null,
                List.of(),
                Duration.ofSeconds(8)),
            row(
                "Approved, the scheduled retry is due → write the files",
                with(
                    approved(),
                    o -> {
                      o.status.setAttempts(3);
                      o.status.setNextAttemptAt(NOW.toString());
                      return o;
                    }),
                null,
                List.of("WriteFiles"),
                null),
            row(
                "AwaitingApproval, recovered after its last event → Resolved",
                recovering(awaiting(), NOW.minusSeconds(20), NOW.minusSeconds(5)),
                Phase.Resolved,
                List.of("Event:Recovered"),
                null),
            row(
                "Pending, a benign event older than the last failure → still proposes",
                recovering(new Obs(Phase.Pending), NOW.minusSeconds(5), NOW.minusSeconds(20)),
                null,
                List.of("Ask"),
                GRACE),
            row(
                "Proposing (model busy), recovered → Resolved",
                with(
                    recovering(new Obs(Phase.Proposing), NOW.minusSeconds(20), NOW),
                    o -> setRouter(o, RouterView.BUSY)),
                Phase.Resolved,
                List.of("Event:Recovered"),
                null),
            row(
                "Failed, recovered → Resolved",
                recovering(failed(1, NOW, NOW.plus(BASE)), NOW.minusSeconds(20), NOW),
                Phase.Resolved,
                List.of("Event:Recovered"),
                null),
            row(
                "Approved, recovered → still written (past the point of no return)",
                recovering(approved(), NOW.minusSeconds(20), NOW),
                null,
                List.of("WriteFiles"),
                null),
            row(
                "Resolved, the model's late answer → recorded for the cooldown, nothing done",
                with(
                    finished(Phase.Resolved, NOW),
                    o -> setRouter(o, new RouterView.Done(answer("restart", 0.9, false)))),
                Phase.Resolved,
                List.of("Claim"),
                Duration.ZERO),
            row(
                "Resolved, a late failed chain → claimed, nothing recorded",
                with(
                    finished(Phase.Resolved, NOW),
                    o ->
                        setRouter(
                            o, new RouterView.Done(new ModelOutcome.Failed(List.of("m: 500"))))),
                null,
                List.of("Claim"),
                Duration.ZERO),
            row(
                "new, another proposal of the svcKey closed while its model is asked → waits",
                with(
                    new Obs(null),
                    o -> {
                      o.consultations.add(
                          Cooldown.Consultation.underWay("other", "solaria/ollama"));
                      return o;
                    }),
                null,
                List.of(),
                Asking.UNDER_WAY_RECHECK),
            row(
                "new, that consultation answered a moment ago, its status not seen yet → waits",
                with(
                    new Obs(null),
                    o -> {
                      o.consultations.add(
                          Cooldown.Consultation.underWay("third", "solaria/ollama"));
                      o.consultations.add(
                          new Cooldown.Consultation(
                              "other", "solaria/ollama", NOW.minusSeconds(1)));
                      return o;
                    }),
                null,
                List.of(),
                Asking.UNDER_WAY_RECHECK.dividedBy(5)),
            row(
                "new inside the cooldown, the sibling's answer known → reused, a human asked",
                with(
                    new Obs(null),
                    o -> {
                      o.consultations.add(
                          new Cooldown.Consultation(
                              "other",
                              "solaria/ollama",
                              NOW.minusSeconds(100),
                              answered(NOW.minusSeconds(100))));
                      return o;
                    }),
                Phase.AwaitingApproval,
                List.of("Event:Proposed", "Event:AwaitingApproval"),
                TTL.minusSeconds(100)), // looked at again when it expires, counted from the answer
            row(
                "new inside the cooldown, the sibling's answer needs no human → reused, the files",
                with(
                    new Obs(null),
                    o -> {
                      ProposedAction a = answered(NOW.minusSeconds(100));
                      a.setConfidence(0.9);
                      a.setRequiresHuman(false);
                      o.consultations.add(
                          new Cooldown.Consultation(
                              "other", "solaria/ollama", NOW.minusSeconds(100), a));
                      return o;
                    }),
                Phase.Approved,
                List.of("WriteFiles"),
                null),
            row(
                "new inside the cooldown, the answer was for another event type → Pending till its end",
                with(
                    new Obs(null),
                    o -> {
                      o.consultations.add(
                          new Cooldown.Consultation(
                              "other",
                              "solaria/ollama",
                              NOW.minusSeconds(100),
                              answered(NOW.minusSeconds(100)),
                              "disk_pressure"));
                      return o;
                    }),
                Phase.Pending,
                List.of("Event:CoolingDown"),
                Duration.ofSeconds(200)),
            row(
                "new inside the cooldown, the answer reused by one that recovered → Pending till its end",
                with(
                    new Obs(null),
                    o -> {
                      Instant at = NOW.minusSeconds(100);
                      o.consultations.add(
                          new Cooldown.Consultation(
                              "other", "solaria/ollama", at, answered(at), "service_unhealthy"));
                      o.siblings.add(
                          new Sibling(
                              "second",
                              NOW.minusSeconds(50),
                              Phase.Resolved,
                              "restart",
                              at,
                              null,
                              null,
                              null,
                              null));
                      return o;
                    }),
                Phase.Pending,
                List.of("Event:CoolingDown"),
                Duration.ofSeconds(200)),
            row(
                "Dispatched, a new proposal of the svcKey opened after it → Recurred",
                with(
                    dispatchedAgo(Duration.ofMinutes(5), 3),
                    o -> {
                      o.siblings.add(
                          new Sibling(
                              "next",
                              NOW.minusSeconds(60),
                              Phase.Pending,
                              null,
                              null,
                              null,
                              null,
                              null,
                              null));
                      return o;
                    }),
                null,
                List.of("Event:Outcome"),
                null),
            row(
                "Dispatched, a benign event after it → Recovered",
                with(
                    dispatchedAgo(Duration.ofMinutes(5), 3),
                    o -> {
                      o.status.setRecoveredAt(NOW.minusSeconds(60).toString());
                      return o;
                    }),
                null,
                List.of("Event:Outcome"),
                null),
            row(
                "Dispatched, nothing yet → look again when the window ends",
                dispatchedAgo(Duration.ofMinutes(5), 3),
                null,
                List.of(),
                Duration.ofMinutes(10)),
            row(
                "Dispatched, the window ended with nothing → Unknown",
                dispatchedAgo(Duration.ofMinutes(15), 3),
                null,
                List.of("Event:Outcome"),
                null),
            row(
                "Dispatched inside the retention → look again when it ends",
                finished(Phase.Dispatched, NOW),
                null,
                List.of(),
                RETENTION),
            row(
                "Dispatched after the retention → delete",
                finished(Phase.Dispatched, NOW.minus(RETENTION)),
                null,
                List.of("Delete"),
                null),
            row(
                "Rejected, the ignored annotation removed → forgotten (one write)",
                with(
                    finished(Phase.Rejected, NOW),
                    o -> {
                      o.status.setIgnoredApproval("approved");
                      return o;
                    }),
                Phase.Rejected,
                List.of(),
                RETENTION),
            row(
                "Rejected, annotated again → one warning",
                with(finished(Phase.Rejected, NOW), o -> annotate(o, "approved", null)),
                Phase.Rejected,
                List.of("Event:ApprovalIgnored"),
                RETENTION),
            row(
                "Dispatched, approved by this annotation → no warning",
                with(
                    finished(Phase.Dispatched, NOW),
                    o -> {
                      annotate(o, "approved", "alice");
                      o.status.setApproval(decided("approved", "annotation:alice"));
                      return o;
                    }),
                null,
                List.of(),
                RETENTION),
            row(
                "Dispatched, approved by annotation, overwritten with rejected → one warning",
                with(
                    finished(Phase.Dispatched, NOW),
                    o -> {
                      annotate(o, "rejected", "bob");
                      o.status.setApproval(decided("approved", "annotation:alice"));
                      return o;
                    }),
                Phase.Dispatched,
                List.of("Event:ApprovalIgnored"),
                RETENTION),
            row(
                "Rejected by a link, overwritten with approved → one warning",
                with(
                    finished(Phase.Rejected, NOW),
                    o -> {
                      annotate(o, "approved", null);
                      o.status.setApproval(decided("rejected", "annotation:link:ntfy"));
                      return o;
                    }),
                Phase.Rejected,
                List.of("Event:ApprovalIgnored"),
                RETENTION),
            row(
                "Rejected, the overwrite already warned about → nothing",
                with(
                    finished(Phase.Rejected, NOW),
                    o -> {
                      annotate(o, "approved", null);
                      o.status.setApproval(decided("rejected", "annotation:alice"));
                      o.status.setIgnoredApproval("approved");
                      return o;
                    }),
                null,
                List.of(),
                RETENTION),
            row(
                "no spec → one warning, deleted after the retention",
                with(
                    new Obs(null),
                    o -> {
                      o.spec = null;
                      return o;
                    }),
                null,
                List.of("Event:Orphaned"),
                RETENTION),
            row(
                "svcKey not node/service (made by hand) → Ignored, one warning, nothing asked",
                with(
                    new Obs(null),
                    o -> {
                      o.spec = TestProposals.spec("nas", "whatever", "service_down");
                      o.spec.setSvcKey("chelsty/home-automation-x");
                      return o;
                    }),
                Phase.Ignored,
                List.of("Event:InvalidSpec"),
                RETENTION),
            row(
                "a node-level spec whose svcKey names a service → one warning, nothing asked",
                with(
                    new Obs(null),
                    o -> {
                      o.spec = TestProposals.spec("boreal", null, "node_offline");
                      o.spec.setSvcKey("boreal/minio2");
                      return o;
                    }),
                Phase.Ignored,
                List.of("Event:InvalidSpec"),
                RETENTION),
            row(
                "awaiting approval with a node that is not a name → Ignored over it, one warning, no dispatch",
                with(
                    annotate(awaiting(), "approved", null),
                    o -> {
                      o.spec = TestProposals.spec("../../etc", "x", "service_down");
                      return o;
                    }),
                Phase.Ignored,
                List.of("Event:InvalidSpec"),
                RETENTION),
            row(
                "approved, named by hand with a dot (a Kubernetes name, not an action id) → Ignored, one warning, no dispatch",
                with(
                    approved(),
                    o -> {
                      o.name = "zigbee.fix";
                      return o;
                    }),
                Phase.Ignored,
                List.of("Event:InvalidSpec"),
                RETENTION),
            row(
                "a name too long for the action's file names → one warning, nothing asked",
                with(
                    new Obs(null),
                    o -> {
                      o.name = "a".repeat(Names.MAX_PROPOSAL_NAME + 1);
                      return o;
                    }),
                Phase.Ignored,
                List.of("Event:InvalidSpec"),
                RETENTION),
            row(
                "an empty service → one warning, nothing asked",
                with(
                    new Obs(null),
                    o -> {
                      o.spec = TestProposals.spec("nas", "", "service_down");
                      o.spec.setSvcKey("nas");
                      return o;
                    }),
                Phase.Ignored,
                List.of("Event:InvalidSpec"),
                RETENTION),
            row(
                "no spec, retention over → delete",
                with(
                    new Obs(null),
                    o -> {
                      o.spec = null;
                      o.status = new RemediationProposalStatus();
                      o.status.setCompletedAt(NOW.minus(RETENTION).toString());
                      return o;
                    }),
                null,
                List.of("Delete"),
                null))
        .map(Arguments::of);
  }

  static Obs setRouter(Obs o, RouterView r) {
    o.router = r;
    return o;
  }

  static Obs annotate(Obs o, String value, String by) {
    o.annotations.put(Approvals.APPROVAL, value);
    if (by != null) {
      o.annotations.put(Approvals.APPROVED_BY, by);
    }
    return o;
  }

  static List<String> effects(Decision d) {
    return d.effects().stream()
        .map(
            e ->
                e instanceof Effect.Event ev
                    ? "Event:" + ev.reason().name()
                    : e.getClass().getSimpleName())
        .toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void decides(Row row) {
    Decision d = row.machine().decide(row.obs().build());
    if (row.writes() == null) {
      if (d.status() != null) {
        // A write that only remembers a warning keeps the phase.
        assertThat(d.status().getPhase()).isNull();
      }
    } else {
      assertThat(d.status()).as("a status write").isNotNull();
      if (d.status().getPhase() != null) {
        assertThat(d.status().getPhase()).isEqualTo(row.writes());
      }
    }
    assertThat(effects(d)).isEqualTo(row.effects());
    assertThat(d.recheckAfter()).isEqualTo(row.recheck());
  }

  /**
   * An annotation set while the model is asked gets one warning, not one then and another when the
   * answer makes it stale: the first is remembered under the key the answer's write checks.
   */
  @Test
  void aReusedAnswerKeepsItsTimeAndTheRulesThatMadeItNeedAHuman() {
    Instant at = NOW.minusSeconds(100);
    ProposedAction was = answered(at);
    was.setPolicyRules(List.of("low-confidence"));
    Obs o = new Obs(null);
    o.consultations.add(
        new Cooldown.Consultation("other", "solaria/ollama", at, was, "service_unhealthy"));
    Decision d = MACHINE.decide(o.build());
    assertThat(d.status().getPhase()).isEqualTo(Phase.AwaitingApproval);
    ProposedAction a = d.status().getProposal();
    assertThat(a.getAction()).isEqualTo("restart");
    assertThat(a.getTarget()).isEqualTo("solaria/ollama");
    assertThat(a.getRequiresHuman()).isTrue();
    assertThat(a.getPolicyRules()).contains("low-confidence");
    assertThat(a.getAnsweredAt()).isEqualTo(at.toString()); // the window does not move
    assertThat(d.status().getExpiresAt()).isEqualTo(at.plus(TTL).toString());
    assertThat(d.recheckAfter())
        .as("looked at again at expiresAt")
        .isEqualTo(TTL.minusSeconds(100));
    assertThat(d.status().getMessage()).contains("other", "reused");
    assertThat(effects(d)).doesNotContain("Claim", "Ask");
  }

  /** The answer that came under a silence put on meanwhile is kept for the cooldown, not used. */
  @Test
  void anAnswerUnderASilencePutOnWhileTheModelWasAskedIsKeptAndNothingIsWritten() {
    Obs o =
        silencedBy(
            setRouter(new Obs(Phase.Proposing), new RouterView.Done(answer("restart", 0.9, false))),
            "ollama",
            NOW.plusSeconds(3600));
    Decision d = MACHINE.decide(o.build());
    assertThat(d.status().getSilencedBy()).isEqualTo("sil-1");
    assertThat(d.status().getProposal().getAction()).isEqualTo("restart");
    assertThat(d.status().getProposal().getAnsweredAt()).isNotNull();
    assertThat(d.status().getMessage())
        .contains("came while the model was asked")
        .contains("nothing is done with it")
        .doesNotContain("no model call");
    assertThat(effects(d)).doesNotContain("WriteFiles");
  }

  @Test
  void anAnnotationSetWhileProposingIsWarnedAboutOnce() {
    Obs asking =
        with(
            new Obs(Phase.Proposing),
            o -> setRouter(annotate(o, "rejected", null), RouterView.BUSY));
    Decision first = MACHINE.decide(asking.build());
    assertThat(effects(first)).containsExactly("Event:ApprovalIgnored");
    Obs answered =
        with(
            new Obs(Phase.Proposing),
            o -> {
              annotate(o, "rejected", null);
              o.status.setIgnoredApproval(first.status().getIgnoredApproval());
              o.router = new RouterView.Done(answer("restart", 0.5, false));
              return o;
            });
    Decision second = MACHINE.decide(answered.build());
    assertThat(second.status().getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(second.status().getStaleApproval()).isEqualTo("rejected");
    assertThat(effects(second)).doesNotContain("Event:ApprovalIgnored");
  }

  /** SPEC 6: annotating in another phase records a warning, and so does annotating again. */
  @Test
  void anIgnoredAnnotationRemovedAndSetAgainIsWarnedAboutAgain() {
    Obs removed =
        with(
            finished(Phase.Dispatched, NOW),
            o -> {
              o.status.setIgnoredApproval("approved");
              return o;
            });
    Decision forget = MACHINE.decide(removed.build());
    assertThat(forget.status()).as("the removal is remembered").isNotNull();
    assertThat(forget.status().getIgnoredApproval()).isEmpty();
    assertThat(effects(forget)).isEmpty();

    Obs again =
        with(
            finished(Phase.Dispatched, NOW),
            o -> {
              annotate(o, "approved", null);
              o.status.setIgnoredApproval(forget.status().getIgnoredApproval());
              return o;
            });
    Decision second = MACHINE.decide(again.build());
    assertThat(effects(second)).containsExactly("Event:ApprovalIgnored");
    assertThat(second.status().getIgnoredApproval()).isEqualTo("approved");

    Obs nothingWarned = finished(Phase.Dispatched, NOW);
    assertThat(MACHINE.decide(nothingWarned.build()).status()).as("no write").isNull();
  }

  /** Once its own write is seen, the machine does nothing more until something else happens. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void ownWritesStartNothing(Row row) throws Exception {
    Observation first = row.obs().build();
    Decision d = row.machine().decide(first);
    if (d.has(Effect.WriteFiles.class) || d.has(Effect.Delete.class) || d.status() == null) {
      return; // nothing written (a draft that writes the files first is decided again)
    }
    RouterView router = first.router();
    if (d.has(Effect.Ask.class)) {
      router = RouterView.BUSY;
    } else if (d.has(Effect.Claim.class)) {
      router = RouterView.CLAIMED;
    }
    Observation after =
        new Observation(
            first.name(),
            first.uid(),
            first.createdAt(),
            first.generation(),
            first.annotations(),
            first.spec(),
            merge(first.status(), d.status()),
            router,
            Optional.empty(),
            first.consultations(),
            first.siblings(),
            first.silences(),
            first.now());
    Decision again = row.machine().decide(after);
    assertThat(again.status()).as("second write").isNull();
    assertThat(again.effects())
        .as("second effects")
        .allMatch(e -> e instanceof Effect.WriteFiles || e instanceof Effect.Ask);
    if (again.has(Effect.Ask.class)) {
      throw new AssertionError("asked twice");
    }
  }

  static final ObjectMapper JSON = new ObjectMapper();

  /** What a JSON merge patch of {@code fragment} onto {@code current} leaves in the cluster. */
  static RemediationProposalStatus merge(
      RemediationProposalStatus current, RemediationProposalStatus fragment) throws Exception {
    ObjectNode base =
        current == null ? JSON.createObjectNode() : (ObjectNode) JSON.valueToTree(current);
    ObjectNode patch = JSON.valueToTree(fragment);
    patch.fields().forEachRemaining(e -> base.set(e.getKey(), e.getValue()));
    return JSON.treeToValue(base, RemediationProposalStatus.class);
  }

  /**
   * The intake does not write the opening event's count: the first status write carries it, and
   * only while status holds no count (a count the intake wrote is never overwritten).
   */
  @Test
  void theFirstStatusWriteCarriesTheOpeningCountAndNoLaterOneDoes() {
    Obs fresh = new Obs(null);
    fresh.router = new RouterView.Done(answer("restart", 0.5, true));
    RemediationProposalStatus first = MACHINE.decide(fresh.build()).status();
    assertThat(first.getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(first.getOccurrences()).isEqualTo(1L);
    assertThat(first.getFirstSeen()).isEqualTo(TestProposals.spec().getObservedAt());
    assertThat(first.getLastSeen()).isEqualTo(TestProposals.spec().getObservedAt());

    Obs counted = new Obs(null);
    counted.router = new RouterView.Done(answer("restart", 0.5, true));
    counted.status = new RemediationProposalStatus();
    counted.status.setOccurrences(40L);
    counted.status.setFirstSeen("2026-05-27T17:11:39Z");
    counted.status.setLastSeen("2026-05-27T17:12:00Z");
    RemediationProposalStatus later = MACHINE.decide(counted.build()).status();
    assertThat(later.getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(later.getOccurrences()).as("the intake's count is its own").isNull();
    assertThat(later.getFirstSeen()).isNull();
    assertThat(later.getLastSeen()).isNull();

    // A status without a count (the notifier's or recoveredAt written first): still the opening
    // count with the first write of the reconciler.
    Obs notified = new Obs(null);
    notified.router = new RouterView.Done(answer("restart", 0.5, true));
    notified.status = new RemediationProposalStatus();
    notified.status.setIgnoredApproval("approved");
    RemediationProposalStatus afterOthers = MACHINE.decide(notified.build()).status();
    assertThat(afterOthers.getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(afterOthers.getOccurrences()).isEqualTo(1L);
    assertThat(afterOthers.getFirstSeen()).isEqualTo(TestProposals.spec().getObservedAt());

    Obs recovered = new Obs(null);
    recovered.status = new RemediationProposalStatus();
    recovered.status.setRecoveredAt("2026-05-27T17:20:00Z");
    RemediationProposalStatus resolved = MACHINE.decide(recovered.build()).status();
    assertThat(resolved.getPhase()).isEqualTo(Phase.Resolved);
    assertThat(resolved.getOccurrences()).isEqualTo(1L);

    Obs silent = new Obs(null); // asks: no status write, so no count written either
    assertThat(MACHINE.decide(silent.build()).status()).isNull();
  }

  @Test
  void aNodeLevelRestartBecomesNotify() {
    Obs o = new Obs(Phase.Proposing);
    o.spec = TestProposals.spec("solaria", null, "node_offline");
    o.router = new RouterView.Done(answer("restart", 0.9, false));
    Decision d = MACHINE.decide(o.build());
    ProposedAction a = d.status().getProposal();
    assertThat(a.getAction()).isEqualTo("notify");
    assertThat(a.getExecutorType()).isEqualTo("notify");
    assertThat(a.getPolicyRules()).contains(PolicyRule.NODE_LEVEL.id());
  }

  @Test
  void dispatchRetriesDoubleToFiveMinutes() {
    Obs o = approved();
    List<Duration> waits = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      o.dispatch = Optional.of(new DispatchOutcome.Failed("read-only"));
      Decision d = MACHINE.decide(o.build());
      waits.add(d.recheckAfter());
      o.status.setAttempts(d.status().getAttempts());
      o.status.setNextAttemptAt(d.status().getNextAttemptAt());
    }
    assertThat(waits.subList(0, 5))
        .containsExactly(
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(8),
            Duration.ofSeconds(16),
            Duration.ofSeconds(32));
    assertThat(waits.get(11)).isEqualTo(Duration.ofMinutes(5));
  }

  static Decision answerWith(List<Sibling> siblings) {
    Obs o = new Obs(Phase.Proposing);
    o.router = new RouterView.Done(answer("restart", 0.9, false));
    o.siblings.addAll(siblings);
    return MACHINE.decide(o.build());
  }

  @Test
  void theBudgetLetsThreePolicyApprovalsThroughPerWindowThenAPersonDecides() {
    Instant day = NOW.minus(Duration.ofHours(23));
    List<Sibling> two =
        List.of(
            dispatchedSibling("a", day, "policy", Outcomes.RECOVERED),
            dispatchedSibling("b", NOW.minus(Duration.ofHours(20)), "policy", Outcomes.RECOVERED),
            // approved by a person: not counted; older than the window: not counted
            dispatchedSibling("c", NOW.minus(Duration.ofHours(10)), "annotation:alice", null),
            dispatchedSibling("d", NOW.minus(Duration.ofHours(25)), "policy", Outcomes.RECOVERED));
    assertThat(answerWith(two).status().getPhase()).isEqualTo(Phase.Approved);

    List<Sibling> three = new ArrayList<>(two);
    three.add(dispatchedSibling("e", NOW.minus(Duration.ofHours(2)), "policy", Outcomes.RECOVERED));
    Decision held = answerWith(three);
    assertThat(held.status().getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(held.status().getProposal().getPolicyRules())
        .containsExactly(PolicyRule.BUDGET_EXHAUSTED.id());
  }

  @Test
  void afterAnActionThatDidNotHelpAPersonDecides() {
    Decision afterRecurred =
        answerWith(
            List.of(
                dispatchedSibling(
                    "a", NOW.minus(Duration.ofHours(3)), "policy", Outcomes.RECURRED)));
    assertThat(afterRecurred.status().getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(afterRecurred.status().getProposal().getPolicyRules())
        .contains(PolicyRule.PREVIOUS_ACTION_RECURRED.id());

    // This proposal itself opened inside the last dispatch's outcome window: it recurred.
    Decision recurringNow =
        answerWith(List.of(dispatchedSibling("a", CREATED.minusSeconds(120), "policy", null)));
    assertThat(recurringNow.status().getProposal().getPolicyRules())
        .contains(PolicyRule.PREVIOUS_ACTION_RECURRED.id());

    // The last action helped: nothing to remember.
    Decision helped =
        answerWith(
            List.of(
                dispatchedSibling(
                    "a", NOW.minus(Duration.ofHours(3)), "policy", Outcomes.RECOVERED)));
    assertThat(helped.status().getPhase()).isEqualTo(Phase.Approved);
  }

  @Test
  void outcomesAreRecordedWithWhatDecidedThem() {
    Obs recurred = dispatchedAgo(Duration.ofMinutes(5), 3);
    recurred.status.setLastSeen(NOW.minusSeconds(10).toString());
    assertThat(MACHINE.decide(recurred.build()).status().getOutcome().getResult())
        .isEqualTo(Outcomes.RECURRED);

    Obs recovered = dispatchedAgo(Duration.ofMinutes(5), 3);
    recovered.status.setRecoveredAt(NOW.minusSeconds(10).toString());
    var r = MACHINE.decide(recovered.build()).status().getOutcome();
    assertThat(r.getResult()).isEqualTo(Outcomes.RECOVERED);
    assertThat(r.getDetail()).contains(NOW.minusSeconds(10).toString());

    // A benign event from before the dispatch is not a recovery.
    Obs early = dispatchedAgo(Duration.ofMinutes(5), 3);
    early.status.setRecoveredAt(NOW.minus(Duration.ofMinutes(6)).toString());
    assertThat(MACHINE.decide(early.build()).status()).isNull();

    // Recovered, then the failure came back inside the window: Recurred after all.
    Obs back = dispatchedAgo(Duration.ofMinutes(5), 3);
    back.status.setOutcome(MACHINE.decide(recovered.build()).status().getOutcome());
    back.status.setLastSeen(NOW.minusSeconds(5).toString());
    assertThat(MACHINE.decide(back.build()).status().getOutcome().getResult())
        .isEqualTo(Outcomes.RECURRED);

    // The window edge: at exactly its end, Unknown.
    Obs edge = dispatchedAgo(ProposalSettings.DEFAULT_OUTCOME_WINDOW, 3);
    assertThat(MACHINE.decide(edge.build()).status().getOutcome().getResult())
        .isEqualTo(Outcomes.UNKNOWN);
    Obs justBefore = dispatchedAgo(ProposalSettings.DEFAULT_OUTCOME_WINDOW.minusSeconds(1), 3);
    assertThat(MACHINE.decide(justBefore.build()).status()).isNull();
  }

  @Test
  void aDispatchedProposalIsKeptWhileTheBudgetCountsIt() {
    Obs o = dispatchedAgo(Duration.ofMinutes(20), 3);
    var outcome = new dev.homelab.remediation.api.v1alpha1.OutcomeRecord();
    outcome.setResult(Outcomes.UNKNOWN);
    o.status.setOutcome(outcome);
    PhaseMachine shortRetention =
        new PhaseMachine(
            new ProposalSettings(
                SETTINGS.policy(),
                Duration.ZERO,
                BASE,
                false,
                TTL,
                Duration.ofMinutes(1),
                SETTINGS.models()));
    Decision d = shortRetention.decide(o.build());
    assertThat(d.has(Effect.Delete.class)).isFalse();
    assertThat(d.recheckAfter())
        .isEqualTo(ProposalSettings.DEFAULT_BUDGET_WINDOW.minus(Duration.ofMinutes(20)));
  }

  /**
   * An answer that waits for a person: the Proposed Event says what the model proposes, the
   * AwaitingApproval Event how to approve this proposal, by its name, once.
   */
  @Test
  void theAwaitingApprovalEventTellsHowToApproveThisProposalByName() {
    Obs o = new Obs(null);
    o.router = new RouterView.Done(answer("restart", 0.9, true), NOW.minusMillis(40));
    Decision d = MACHINE.decide(o.build());
    assertThat(d.status().getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(d.status().getExpiresAt())
        .as("fixed in the same write, as the notifications announce it")
        .isEqualTo(NOW.minusMillis(40).plus(TTL).toString());
    assertThat(d.events())
        .extracting(Effect.Event::reason)
        .containsExactly(EventReason.Proposed, EventReason.AwaitingApproval);
    assertThat(d.events().get(0).message())
        .contains("proposed restart")
        .doesNotContain("kubectl annotate");
    assertThat(d.events().get(1).message())
        .isEqualTo(
            "Waiting for approval: kubectl annotate rp "
                + TestProposals.NAME
                + " remediation.homelab.dev/approval=approved (or =rejected).");
  }

  /**
   * A waiting proposal expires at the status.expiresAt written when it started to wait, not by the
   * APPROVAL_TTL of the operator running now (changed since, or another replica's).
   */
  @Test
  void aWaitingProposalExpiresWhenItsStatusSaysNotByTheTtlOfNow() {
    Obs o = awaiting(); // answered 30 s ago: by the TTL of now, 24 h to go
    o.status.setExpiresAt(NOW.minusSeconds(1).toString()); // a TTL of 29 s when it started
    assertThat(MACHINE.decide(o.build()).status().getPhase()).isEqualTo(Phase.Expired);

    o.status.setExpiresAt(NOW.plusSeconds(30).toString());
    Decision d = MACHINE.decide(o.build());
    assertThat(d.status()).isNull();
    assertThat(d.recheckAfter()).isEqualTo(Duration.ofSeconds(30));
  }

  /**
   * Restarted with another APPROVAL_TTL (here 24 h), the Expired status and Event name the wait the
   * proposal was given (its status.expiresAt less its answer: 10 minutes), written as kubectl
   * writes durations, not "PT24H"; without a recorded expiry, the TTL of now, the same way.
   */
  @Test
  void theExpiredMessageNamesTheWaitTheProposalWasGivenAsPeopleReadIt() {
    Obs o = awaiting();
    Instant answeredAt = NOW.minus(Duration.ofMinutes(11));
    o.status.setProposal(answered(answeredAt));
    o.status.setExpiresAt(answeredAt.plus(Duration.ofMinutes(10)).toString());
    Decision d = MACHINE.decide(o.build());
    assertThat(d.status().getPhase()).isEqualTo(Phase.Expired);
    assertThat(d.status().getMessage()).isEqualTo("No decision within 10m.");
    assertThat(d.events())
        .extracting(Effect.Event::reason, Effect.Event::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                EventReason.Expired, "No decision within 10m; nothing is written."));

    Obs old = awaiting(); // no status.expiresAt (written by an older version)
    old.now = NOW.plus(TTL);
    Decision byNow = MACHINE.decide(old.build());
    assertThat(byNow.status().getMessage()).isEqualTo("No decision within 24h.");
    assertThat(byNow.events().get(0).message())
        .isEqualTo("No decision within 24h; nothing is written.");

    assertThat(
            Transitions.unanswered(
                    TestProposals.status(Phase.Proposing), Duration.ofMinutes(90), 1, NOW)
                .getMessage())
        .isEqualTo("No model answered within 1h30m; nothing is written.");
  }

  @Test
  void durationsAreWrittenAsKubectlWritesThem() {
    Map<Duration, String> cases =
        Map.of(
            Duration.ofMinutes(10),
            "10m",
            Duration.ofSeconds(30),
            "30s",
            Duration.ofMinutes(90),
            "1h30m",
            Duration.ofHours(24),
            "24h",
            Duration.ofDays(7),
            "168h",
            Duration.ofSeconds(3630),
            "1h30s",
            Duration.ZERO,
            "0s",
            Duration.ofMillis(500),
            "500ms",
            Duration.ofMillis(1500),
            "1.5s",
            Duration.ofSeconds(-30),
            "-30s");
    cases.forEach(
        (d, text) -> assertThat(HumanDurations.format(d)).as(d.toString()).isEqualTo(text));
  }

  /** A failed chain's Event: what failed, then when it is asked again, as two sentences. */
  @Test
  void theChainFailedEventSaysWhatFailedAndWhenItRetries() {
    Obs o = new Obs(null);
    o.router = new RouterView.Done(new ModelOutcome.Failed(List.of("ollama: connection refused")));
    Decision d = MACHINE.decide(o.build());
    assertThat(d.events())
        .singleElement()
        .extracting(Effect.Event::reason)
        .isEqualTo(EventReason.ChainFailed);
    assertThat(d.events().get(0).message())
        .isEqualTo(
            "Every model failed: ollama: connection refused. Retrying at "
                + d.status().getNextAttemptAt()
                + ", earlier on a new event.");
  }

  /** The instant path: the answer, its approval and the dispatch are one status write. */
  @Test
  void anInstantAnswerIsOneWriteOfTheAnswerTheApprovalAndTheDispatch() throws Exception {
    Obs o = new Obs(null);
    Instant answeredAt = NOW.minusMillis(40);
    o.router = new RouterView.Done(answer("restart", 0.9, false), answeredAt);
    Decision draft = MACHINE.decide(o.build());
    assertThat(draft.effects()).containsExactly(new Effect.WriteFiles());
    assertThat(draft.status().getProposal().getAnsweredAt()).isEqualTo(answeredAt.toString());
    assertThat(draft.status().getApproval().getBy()).isEqualTo("policy");

    o.dispatch = Optional.of(WRITTEN);
    Decision d = MACHINE.decide(o.build());
    RemediationProposalStatus s = d.status();
    assertThat(s.getPhase()).isEqualTo(Phase.Dispatched);
    assertThat(s.getProposal().getAction()).isEqualTo("restart");
    assertThat(s.getProposal().getAnsweredAt())
        .as("the same answer time as the files were written with")
        .isEqualTo(answeredAt.toString());
    assertThat(s.getApproval().getDecision()).isEqualTo("approved");
    assertThat(s.getApproval().getBy()).isEqualTo("policy");
    assertThat(s.getDispatch().getActionId()).isEqualTo("id");
    assertThat(s.getDispatch().getAt()).isEqualTo(NOW.toString());
    assertThat(s.getAttempts()).isZero();
    assertThat(s.getCompletedAt()).isEqualTo(NOW.toString());
    assertThat(s.getConditions())
        .extracting(
            io.fabric8.kubernetes.api.model.Condition::getType,
            io.fabric8.kubernetes.api.model.Condition::getStatus)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Proposed", "True"),
            org.assertj.core.groups.Tuple.tuple("Approved", "True"),
            org.assertj.core.groups.Tuple.tuple("Dispatched", "True"));
    assertThat(d.events())
        .extracting(Effect.Event::reason)
        .containsExactly(EventReason.Proposed, EventReason.Dispatched);
    assertThat(d.events().get(0).message()).contains("proposed restart", "Approved by policy");

    // Seen again once written: nothing more.
    o.status = merge(null, s);
    o.router = RouterView.CLAIMED;
    o.dispatch = Optional.empty();
    assertThat(MACHINE.decide(o.build()).status()).isNull();
  }

  /** Executor mode says so in the one Proposed Event; the files carry requires_human. */
  @Test
  void executorModeIsToldByTheProposedEvent() {
    Obs o = new Obs(null);
    o.router = new RouterView.Done(answer("restart", 0.5, false));
    o.dispatch = Optional.of(WRITTEN);
    Decision d = EXECUTOR_MODE.decide(o.build());
    assertThat(d.status().getApproval().getBy()).isEqualTo("executor");
    assertThat(d.status().getProposal().getRequiresHuman()).isTrue();
    assertThat(d.events().get(0).message()).contains("APPROVAL_MODE=executor");
  }

  /** The answer that arrives after its proposal recovered: in status, for the cooldown only. */
  @Test
  void aLateAnswerIsRecordedAsTheProposalsConsultationWithNothingElseChanged() {
    Obs o = finished(Phase.Resolved, NOW);
    o.router = new RouterView.Done(answer("restart", 0.9, false), NOW.minusSeconds(2));
    Decision d = MACHINE.decide(o.build());
    assertThat(d.status().getPhase()).isEqualTo(Phase.Resolved);
    assertThat(d.status().getProposal().getAction()).isEqualTo("restart");
    assertThat(d.status().getProposal().getAnsweredAt()).isEqualTo(NOW.minusSeconds(2).toString());
    assertThat(d.status().getApproval()).isNull();
    assertThat(d.status().getConditions()).isNull();
    assertThat(d.effects()).containsExactly(new Effect.Claim());
    // Once recorded, a later late answer changes nothing more.
    o.status.setProposal(d.status().getProposal());
    assertThat(MACHINE.decide(o.build()).status()).isNull();
  }

  /** The answer and the recovery seen in one reconcile (a 409 retried): Resolved, answer kept. */
  @Test
  void anAnswerThatComesWithTheRecoveryIsRecordedWithIt() {
    Obs o = new Obs(null);
    o.status = new RemediationProposalStatus();
    recovering(o, NOW.minusSeconds(20), NOW);
    o.router = new RouterView.Done(answer("restart", 0.9, false), NOW.minusSeconds(1));
    Decision d = MACHINE.decide(o.build());
    assertThat(d.status().getPhase()).isEqualTo(Phase.Resolved);
    assertThat(d.status().getProposal().getAnsweredAt()).isEqualTo(NOW.minusSeconds(1).toString());
    assertThat(d.status().getMessage()).contains("nothing is done with it");
    assertThat(d.effects()).doesNotHaveAnyElementsOfTypes(Effect.WriteFiles.class);
    assertThat(d.effects()).contains(new Effect.Claim());
  }

  /** A write that failed on the first try: the answer is kept, the retry is scheduled. */
  @Test
  void aDispatchFailureOnTheFirstTryKeepsTheAnswerAndSchedulesTheRetry() throws Exception {
    Obs o = new Obs(null);
    o.router = new RouterView.Done(answer("restart", 0.9, false));
    o.dispatch = Optional.of(new DispatchOutcome.Failed("read-only"));
    Decision d = MACHINE.decide(o.build());
    RemediationProposalStatus s = d.status();
    assertThat(s.getPhase()).isEqualTo(Phase.Approved);
    assertThat(s.getProposal().getAction()).isEqualTo("restart");
    assertThat(s.getApproval().getBy()).isEqualTo("policy");
    assertThat(s.getAttempts()).isEqualTo(1);
    assertThat(s.getNextAttemptAt()).isEqualTo(NOW.plusSeconds(2).toString());
    assertThat(s.getConditions())
        .filteredOn(c -> c.getType().equals("Dispatched"))
        .singleElement()
        .satisfies(c -> assertThat(c.getReason()).isEqualTo("WriteFailed"));

    // The failure's own write seen: it waits for the schedule, then writes the files again.
    o.status = merge(null, s);
    o.router = RouterView.CLAIMED;
    o.dispatch = Optional.empty();
    assertThat(MACHINE.decide(o.build()).recheckAfter()).isEqualTo(Duration.ofSeconds(2));
    o.now = NOW.plusSeconds(2);
    assertThat(MACHINE.decide(o.build()).effects()).containsExactly(new Effect.WriteFiles());
  }

  /** The chain's backoff counts attempts right when no Proposing was written before. */
  @Test
  void chainFailuresCountAttemptsWithoutTheProposingWrites() throws Exception {
    Obs o = new Obs(null);
    o.router = new RouterView.Done(new ModelOutcome.Failed(List.of("m: 500")));
    RemediationProposalStatus first = MACHINE.decide(o.build()).status();
    assertThat(first.getAttempts()).isEqualTo(1);
    assertThat(first.getNextAttemptAt()).isEqualTo(NOW.plus(BASE).toString());

    o.status = merge(null, first);
    o.router = RouterView.IDLE;
    o.now = NOW.plus(BASE);
    Decision retry = MACHINE.decide(o.build());
    assertThat(retry.status().getPhase()).isEqualTo(Phase.Proposing);
    assertThat(effects(retry)).containsExactly("Ask", "Event:Retrying");

    o.status = merge(o.status, retry.status());
    o.router = new RouterView.Done(new ModelOutcome.Failed(List.of("m: 500")));
    RemediationProposalStatus second = MACHINE.decide(o.build()).status();
    assertThat(second.getAttempts()).isEqualTo(2);
    assertThat(second.getNextAttemptAt()).isEqualTo(o.now.plus(BASE.multipliedBy(2)).toString());
  }

  static ApprovalRecord decided(String decision, String by) {
    ApprovalRecord a = new ApprovalRecord();
    a.setDecision(decision);
    a.setBy(by);
    return a;
  }
}
