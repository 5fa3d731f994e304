package dev.homelab.remediation.decision;

import static dev.homelab.remediation.decision.IncidentRules.Decision.CREATE;
import static dev.homelab.remediation.decision.IncidentRules.Decision.FOLD;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class IncidentRulesTest {
  static final Instant T0 = Instant.parse("2026-05-27T12:00:00Z");
  static final Duration COOLDOWN = Duration.ofSeconds(300);

  @Test
  void firstEventCreates() {
    assertThat(IncidentRules.decide(null, T0, COOLDOWN)).isEqualTo(CREATE);
  }

  @Test
  void openProposalAbsorbsEventsForever() {
    var latest = new IncidentRules.Latest("p", T0, true);
    assertThat(IncidentRules.decide(latest, T0.plus(Duration.ofDays(3)), COOLDOWN)).isEqualTo(FOLD);
  }

  @Test
  void closedProposalAbsorbsInsideTheWindowOnly() {
    var latest = new IncidentRules.Latest("p", T0, false);
    assertThat(IncidentRules.decide(latest, T0.plusSeconds(299), COOLDOWN)).isEqualTo(FOLD);
    assertThat(IncidentRules.decide(latest, T0.plusSeconds(300), COOLDOWN)).isEqualTo(CREATE);
  }

  @Test
  void zeroCooldownFoldsOnlyIntoOpenProposals() {
    assertThat(IncidentRules.decide(new IncidentRules.Latest("p", T0, false), T0, Duration.ZERO))
        .isEqualTo(CREATE);
    assertThat(IncidentRules.decide(new IncidentRules.Latest("p", T0, true), T0, Duration.ZERO))
        .isEqualTo(FOLD);
  }

  @Test
  void aResolvedProposalAbsorbsNothingEvenInsideTheWindow() {
    var resolved = new IncidentRules.Latest("p", T0, false, true);
    assertThat(IncidentRules.decide(resolved, T0.plusSeconds(1), Duration.ofSeconds(300)))
        .isEqualTo(IncidentRules.Decision.CREATE);
  }

  /** The second proposal of a flapping service resolved too: its window's failures are held. */
  @Test
  void aFailureAfterASecondResolvedProposalInsideItsWindowIsHeld() {
    var second = new IncidentRules.Latest("p2", T0, false, true, T0.plusSeconds(300));
    assertThat(IncidentRules.decide(second, T0.plusSeconds(10), COOLDOWN))
        .isEqualTo(IncidentRules.Decision.HOLD);
    assertThat(IncidentRules.decide(second, T0.plusSeconds(300), COOLDOWN)).isEqualTo(CREATE);
    var open = new IncidentRules.Latest("p2", T0, true, false, T0.plusSeconds(300));
    assertThat(IncidentRules.decide(open, T0.plusSeconds(10), COOLDOWN)).isEqualTo(FOLD);
  }
}
