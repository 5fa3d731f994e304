package dev.homelab.remediation.decision;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CooldownTest {
  static final Instant T0 = Instant.parse("2026-05-27T12:00:00Z");
  static final Duration W = Duration.ofSeconds(300);

  @Test
  void aConsultationInsideTheWindowBlocks() {
    var c = new Cooldown.Consultation("p1", "a/b", T0);
    assertThat(Cooldown.blocking(List.of(c), "a/b", "p2", T0.plusSeconds(299), W)).contains(c);
    assertThat(Cooldown.blocking(List.of(c), "a/b", "p2", T0.plusSeconds(300), W)).isEmpty();
  }

  @Test
  void otherSvcKeysAndItselfDoNotBlock() {
    var c = new Cooldown.Consultation("p1", "a/b", T0);
    assertThat(Cooldown.blocking(List.of(c), "a/c", "p2", T0, W)).isEmpty();
    assertThat(Cooldown.blocking(List.of(c), "a/b", "p1", T0, W)).isEmpty();
  }

  @Test
  void theLatestConsultationIsReported() {
    var old = new Cooldown.Consultation("p1", "a/b", T0);
    var recent = new Cooldown.Consultation("p2", "a/b", T0.plusSeconds(100));
    assertThat(Cooldown.blocking(List.of(old, recent), "a/b", "p3", T0.plusSeconds(150), W))
        .contains(recent);
  }

  @Test
  void retryBackoffDoublesAndIsCapped() {
    Duration base = Duration.ofSeconds(30);
    assertThat(Cooldown.retryDelay(1, base)).isEqualTo(Duration.ofSeconds(30));
    assertThat(Cooldown.retryDelay(2, base)).isEqualTo(Duration.ofSeconds(60));
    assertThat(Cooldown.retryDelay(3, base)).isEqualTo(Duration.ofSeconds(120));
    assertThat(Cooldown.retryDelay(50, base)).isEqualTo(Duration.ofMinutes(30));
  }
}
