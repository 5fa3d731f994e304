package dev.homelab.remediation.decision;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The approval annotation decides only with the two values SPEC §6 names. */
class ApprovalsTest {
  static Approvals.Verdict verdict(String value) {
    return Approvals.read(Map.of(Approvals.APPROVAL, value)).orElseThrow().verdict();
  }

  @Test
  void approvedAndRejectedDecide() {
    assertThat(verdict("approved")).isEqualTo(Approvals.Verdict.APPROVED);
    assertThat(verdict("rejected")).isEqualTo(Approvals.Verdict.REJECTED);
    assertThat(verdict(" approved\n")).isEqualTo(Approvals.Verdict.APPROVED);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"yes", "true", "approve", "Approved", "APPROVED", "ok", "no", "false", "reject"})
  void anyOtherSpellingDecidesNothing(String value) {
    Approvals.Decision d = Approvals.read(Map.of(Approvals.APPROVAL, value)).orElseThrow();
    assertThat(d.verdict()).isEqualTo(Approvals.Verdict.UNKNOWN);
    assertThat(d.value()).isEqualTo(value);
  }

  @Test
  void whoIsNamedWhenGiven() {
    assertThat(
            Approvals.read(Map.of(Approvals.APPROVAL, "approved", Approvals.APPROVED_BY, " alice "))
                .orElseThrow()
                .by())
        .isEqualTo("annotation:alice");
    assertThat(Approvals.read(Map.of("other", "x"))).isEmpty();
  }
}
