package dev.homelab.remediation.decision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.api.v1alpha1.NotificationRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.support.TestProposals;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The Notified condition derived from status.notification, and what the reconciler's decisions
 * become when passed through {@link NotifiedCondition#apply} (the PhaseMachine change it needs).
 */
class NotifiedConditionTest {
  static final Instant CREATED = Instant.parse(TestProposals.CREATED);
  static final Instant NOW = CREATED.plusSeconds(60);

  static NotificationRecord record(String event, String result, String message) {
    NotificationRecord r = new NotificationRecord();
    r.setEvent(event);
    r.setResult(result);
    r.setTargets(List.of("webhook", "ntfy"));
    r.setAt(NOW.toString());
    r.setMessage(message);
    return r;
  }

  static Observation awaiting(NotificationRecord notification, Instant now) {
    RemediationProposalStatus s = TestProposals.awaitingApproval().getStatus();
    s.setConditions(
        Transitions.proposed(
                null, s.getProposal(), Phase.AwaitingApproval, 1, CREATED.plusSeconds(1))
            .getConditions());
    s.setNotification(notification);
    return new Observation(
        TestProposals.NAME,
        TestProposals.UID,
        CREATED,
        1,
        Map.of(),
        TestProposals.spec(),
        s,
        RouterView.IDLE,
        Optional.empty(),
        List.of(),
        List.of(),
        List.of(),
        now);
  }

  static Condition notified(List<Condition> cs) {
    return cs.stream().filter(c -> "Notified".equals(c.getType())).findFirst().orElseThrow();
  }

  @Test
  void sentIsTrueFailedIsFalseWithTheTargetsOutcome() {
    Condition sent =
        NotifiedCondition.of(
                record("awaiting_approval", "Sent", "webhook: sent; ntfy: sent"), 1, null, NOW)
            .orElseThrow();
    assertThat(sent.getStatus()).isEqualTo("True");
    assertThat(sent.getReason()).isEqualTo("Sent");
    assertThat(sent.getMessage()).isEqualTo("awaiting_approval: webhook: sent; ntfy: sent");
    assertThat(sent.getObservedGeneration()).isEqualTo(1L);
    Condition failed =
        NotifiedCondition.of(
                record("decided", "Failed", "webhook: sent; ntfy: failed after 5 attempts"),
                1,
                null,
                NOW)
            .orElseThrow();
    assertThat(failed.getStatus()).isEqualTo("False");
    assertThat(failed.getReason()).isEqualTo("Failed");
    assertThat(NotifiedCondition.of(null, 1, null, NOW)).isEmpty();
  }

  @Test
  void aDecisionThatWritesNothingWritesTheConditionOnceAndThenNothing() {
    PhaseMachine machine = new PhaseMachine(PhaseMachineTest.SETTINGS);
    Observation o = awaiting(record("awaiting_approval", "Sent", "webhook: sent"), NOW);
    // What the machine decides without the condition: nothing to write, look again at expiry.
    Decision plain = Decision.recheck(Duration.ofHours(24).minusSeconds(30));
    Decision d = NotifiedCondition.apply(o, plain);
    // PhaseMachine.decide passes every decision through it: the same write.
    assertThat(machine.decide(o).status().getConditions())
        .extracting(Condition::getType)
        .contains("Notified");
    assertThat(d.status()).isNotNull();
    assertThat(d.status().getPhase()).as("the phase is not written").isNull();
    assertThat(d.effects()).isEqualTo(plain.effects());
    assertThat(d.recheckAfter()).isEqualTo(plain.recheckAfter());
    List<Condition> written = d.status().getConditions();
    assertThat(written)
        .extracting(Condition::getType)
        .containsExactly("Proposed", "Approved", "Notified");
    assertThat(notified(written).getStatus()).isEqualTo("True");

    // Seen again: nothing to write.
    Observation after = awaiting(o.status().getNotification(), NOW.plusSeconds(5));
    after.status().setConditions(written);
    assertThat(NotifiedCondition.apply(after, machine.decide(after)).status()).isNull();
  }

  @Test
  void aTransitionCarriesTheConditionAndKeepsItsTransitionTime() {
    PhaseMachine machine = new PhaseMachine(PhaseMachineTest.SETTINGS);
    Observation o = awaiting(record("awaiting_approval", "Sent", "webhook: sent"), NOW);
    List<Condition> first = NotifiedCondition.apply(o, machine.decide(o)).status().getConditions();
    o.status().setConditions(first);
    Observation approved =
        new Observation(
            o.name(),
            o.uid(),
            o.createdAt(),
            1,
            Map.of("remediation.homelab.dev/approval", "approved"),
            o.spec(),
            o.status(),
            RouterView.IDLE,
            Optional.empty(),
            List.of(),
            List.of(),
            List.of(),
            NOW.plus(Duration.ofMinutes(3)));
    Decision d = NotifiedCondition.apply(approved, machine.decide(approved));
    assertThat(d.status().getPhase()).isEqualTo(Phase.Approved);
    assertThat(notified(d.status().getConditions()).getLastTransitionTime())
        .isEqualTo(notified(first).getLastTransitionTime());
  }

  @Test
  void aFailureAfterASendFlipsTheConditionAndItsTime() {
    Observation o = awaiting(record("awaiting_approval", "Sent", "webhook: sent"), NOW);
    List<Condition> sent = NotifiedCondition.apply(o, Decision.nothing()).status().getConditions();
    Observation later =
        awaiting(
            record("decided", "Failed", "webhook: failed after 5 attempts"), NOW.plusSeconds(90));
    later.status().setConditions(sent);
    Condition failed =
        notified(NotifiedCondition.apply(later, Decision.nothing()).status().getConditions());
    assertThat(failed.getStatus()).isEqualTo("False");
    assertThat(failed.getMessage()).isEqualTo("decided: webhook: failed after 5 attempts");
    assertThat(failed.getLastTransitionTime()).isEqualTo(NOW.plusSeconds(90).toString());
  }

  @Test
  void nothingNotifiedOrADeleteIsLeftAlone() {
    Observation none = awaiting(null, NOW);
    Decision d = Decision.recheck(Duration.ofHours(1));
    assertThat(NotifiedCondition.apply(none, d)).isSameAs(d);
    Observation sent = awaiting(record("expired", "Sent", "webhook: sent"), NOW);
    Decision delete = new Decision(null, List.of(new Effect.Delete()), null);
    assertThat(NotifiedCondition.apply(sent, delete)).isSameAs(delete);
  }
}
