package dev.homelab.remediation.decision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TransitionsTest {
  static final Instant T0 = Instant.parse("2026-05-27T12:00:00Z");

  @Test
  void reconcilerNeverWritesTheIntakesFields() {
    RemediationProposalStatus current = new RemediationProposalStatus();
    current.setOccurrences(42L);
    current.setLastSeen("x");
    RemediationProposalStatus next = Transitions.proposing(current, List.of("m"), 1, T0);
    assertThat(next.getOccurrences()).isNull();
    assertThat(next.getLastSeen()).isNull();
    assertThat(next.getFirstSeen()).isNull();
  }

  @Test
  void proposedByPolicyRecordsTheApproval() {
    ProposedAction p =
        SafetyPolicy.apply(
            new SafetyPolicy.Answer("restart", "r", 0.9, false, null, "m"),
            new SafetyPolicy.Subject("a", "t", "a/b"),
            new PolicyConfig(Set.of(), Set.of(), 0.7));
    RemediationProposalStatus s =
        Transitions.proposed(null, p, Phase.Approved, 1, T0.plusSeconds(2));
    assertThat(s.getPhase()).isEqualTo(Phase.Approved);
    assertThat(s.getApproval().getBy()).isEqualTo("policy");
    assertThat(s.getConditions())
        .extracting(Condition::getType, Condition::getStatus)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Proposed", "True"),
            org.assertj.core.groups.Tuple.tuple("Approved", "True"));
  }

  @Test
  void failureCountsAttemptsAndSchedulesARetry() {
    RemediationProposalStatus s1 =
        Transitions.failed(null, List.of("m1: timeout"), 3, Duration.ofSeconds(30), 1, T0);
    assertThat(s1.getPhase()).isEqualTo(Phase.Failed);
    assertThat(s1.getAttempts()).isEqualTo(1);
    assertThat(s1.getNextAttemptAt()).isEqualTo(T0.plusSeconds(30).toString());
    assertThat(s1.getMessage()).contains("m1: timeout");
    RemediationProposalStatus s2 =
        Transitions.failed(s1, List.of("m1: timeout"), 3, Duration.ofSeconds(30), 1, T0);
    assertThat(s2.getAttempts()).isEqualTo(2);
    assertThat(s2.getNextAttemptAt()).isEqualTo(T0.plusSeconds(60).toString());
  }

  @Test
  void aNewEventBringsTheRetryForwardButNeverSoonerThanTheBaseAfterTheLastAttempt() {
    Duration base = Duration.ofSeconds(30);
    RemediationProposalStatus s1 = Transitions.failed(null, List.of("m: x"), 3, base, 1, T0);
    s1.setOccurrences(3L);
    assertThat(Transitions.chainRetryAt(s1, base)).isEqualTo(T0.plusSeconds(30));
    s1.setOccurrences(4L); // a new event: still no sooner than the base after the attempt
    assertThat(Transitions.chainRetryAt(s1, base)).isEqualTo(T0.plusSeconds(30));

    RemediationProposalStatus s3 = Transitions.failed(null, List.of("m: x"), 3, base, 1, T0);
    s3.setAttempts(3);
    RemediationProposalStatus fourth =
        Transitions.failed(s3, List.of("m: x"), 3, base, 1, T0); // attempt 4: 8 x base
    fourth.setOccurrences(3L);
    assertThat(Transitions.chainRetryAt(fourth, base)).isEqualTo(T0.plusSeconds(240));
    fourth.setOccurrences(9L);
    assertThat(Transitions.chainRetryAt(fourth, base)).isEqualTo(T0.plusSeconds(30));
  }

  @Test
  void finalProposalsAreDeletedAfterRetentionButNeverInsideTheCooldown() {
    RemediationProposalStatus s = new RemediationProposalStatus();
    s.setCompletedAt(T0.toString());
    assertThat(Transitions.deleteAfter(s, T0, Duration.ofDays(7), Duration.ofSeconds(300)))
        .isEqualTo(T0.plus(Duration.ofDays(7)));
    ProposedAction answered = new ProposedAction();
    answered.setAnsweredAt(T0.toString());
    s.setProposal(answered);
    assertThat(Transitions.deleteAfter(s, T0, Duration.ofSeconds(1), Duration.ofSeconds(300)))
        .isEqualTo(T0.plusSeconds(300));
    assertThat(
            Transitions.deleteAfter(
                new RemediationProposalStatus(),
                T0.minusSeconds(5),
                Duration.ofSeconds(10),
                Duration.ZERO))
        .isEqualTo(T0.plusSeconds(5));
  }
}
