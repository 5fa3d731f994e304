package dev.homelab.remediation.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {
  static final Instant T0 = Instant.parse("2026-05-27T12:00:00Z");

  @Test
  void keepsTransitionTimeWhenStatusUnchanged() {
    List<Condition> first = Conditions.with(null, "Proposed", false, "Pending", "m", 1, T0);
    List<Condition> again =
        Conditions.with(first, "Proposed", false, "Proposing", "m2", 2, T0.plusSeconds(60));
    assertThat(again).hasSize(1);
    assertThat(again.get(0).getLastTransitionTime()).isEqualTo(T0.toString());
    assertThat(again.get(0).getReason()).isEqualTo("Proposing");
    assertThat(again.get(0).getObservedGeneration()).isEqualTo(2L);
  }

  @Test
  void movesTransitionTimeWhenStatusFlips() {
    List<Condition> first = Conditions.with(null, "Proposed", false, "Pending", "m", 1, T0);
    List<Condition> flipped =
        Conditions.with(first, "Proposed", true, "Proposed", "m", 1, T0.plusSeconds(5));
    assertThat(flipped.get(0).getLastTransitionTime()).isEqualTo(T0.plusSeconds(5).toString());
    assertThat(flipped.get(0).getStatus()).isEqualTo("True");
  }

  @Test
  void keepsOtherConditions() {
    List<Condition> a = Conditions.with(null, "Proposed", true, "r", "m", 1, T0);
    List<Condition> b = Conditions.with(a, "Approved", false, "r", "m", 1, T0);
    assertThat(b).extracting(Condition::getType).containsExactly("Proposed", "Approved");
  }
}
