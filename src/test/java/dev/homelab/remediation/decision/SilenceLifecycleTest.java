package dev.homelab.remediation.decision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import dev.homelab.remediation.api.v1alpha1.RemediationSilenceSpec;
import dev.homelab.remediation.api.v1alpha1.RemediationSilenceStatus;
import dev.homelab.remediation.api.v1alpha1.SilenceState;
import dev.homelab.remediation.decision.SilenceLifecycle.Review;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A silence's state, deletion and next look, one row per (window position × status shown), and once
 * its own status is written, deciding again writes nothing.
 */
class SilenceLifecycleTest {
  static final Instant NOW = Instant.parse("2026-05-27T12:00:00Z");
  static final Duration RETENTION = Duration.ofHours(24);

  static RemediationSilence silence(String startsAt, String endsAt, SilenceState shown) {
    RemediationSilence r = new RemediationSilence();
    r.setMetadata(new ObjectMetaBuilder().withName("s1").withNamespace("homelab").build());
    RemediationSilenceSpec spec = new RemediationSilenceSpec();
    spec.setStartsAt(startsAt);
    spec.setEndsAt(endsAt);
    r.setSpec(spec);
    if (shown != null) {
      r.setStatus(new RemediationSilenceStatus(shown, null));
    }
    return r;
  }

  @ParameterizedTest(name = "[{index}] {0} .. {1}, shown {2}: {3} delete={4} recheck={5}")
  @CsvSource(
      nullValues = "-",
      value = {
        // startsAt, endsAt, state shown | state to write (- none), delete, recheck (- never)
        "-,                    2026-05-27T14:00:00Z, -,       Active,  false, PT2H",
        "-,                    2026-05-27T14:00:00Z, Active,  -,       false, PT2H",
        "-,                    2026-05-27T14:00:00Z, Pending, Active,  false, PT2H",
        "2026-05-27T11:00:00Z, 2026-05-27T14:00:00Z, -,       Active,  false, PT2H",
        "2026-05-27T12:00:00Z, 2026-05-27T14:00:00Z, -,       Active,  false, PT2H",
        "2026-05-27T12:30:00Z, 2026-05-27T14:00:00Z, -,       Pending, false, PT30M",
        "2026-05-27T12:30:00Z, 2026-05-27T14:00:00Z, Pending, -,       false, PT30M",
        "2026-05-27T12:30:00Z, 2026-05-27T14:00:00Z, Active,  Pending, false, PT30M",
        // endsAt reached: Expired until RETENTION after endsAt, then deleted
        "-,                    2026-05-27T12:00:00Z, Active,  Expired, false, PT24H",
        "-,                    2026-05-27T11:00:00Z, Active,  Expired, false, PT23H",
        "-,                    2026-05-27T11:00:00Z, Expired, -,       false, PT23H",
        "-,                    2026-05-26T12:00:01Z, Expired, -,       false, PT1S",
        "-,                    2026-05-26T12:00:00Z, Expired, -,       true,  -",
        "-,                    2026-05-20T12:00:00Z, -,       -,       true,  -",
        // offsets are honoured
        "-,                    2026-05-27T13:00:00+02:00, -,  Expired, false, PT23H",
        // Invalid: kept, never looked at again by itself
        "-,                    -,                    -,       Invalid, false, -",
        "-,                    tomorrow,             Active,  Invalid, false, -",
        "soon,                 2026-05-27T14:00:00Z, -,       Invalid, false, -",
        // startsAt after endsAt: it could never hold, and says so
        "2026-05-27T12:10:00Z, 2026-05-27T12:01:00Z, -,       Invalid, false, -",
        "2026-05-27T13:00:01Z, 2026-05-27T13:00:00Z, Pending, Invalid, false, -",
        // an empty window (a pending silence expired by the CLI): Expired
        "2026-05-27T11:00:00Z, 2026-05-27T11:00:00Z, Pending, Expired, false, PT23H",
        "2026-05-27T13:00:00Z, 2026-05-27T11:00:00Z, -,       Invalid, false, -",
      })
  void review(
      String startsAt,
      String endsAt,
      SilenceState shown,
      SilenceState write,
      boolean delete,
      Duration recheck) {
    RemediationSilence s = silence(startsAt, endsAt, shown);
    Review r = SilenceLifecycle.review(s, NOW, RETENTION);
    assertThat(r.status().map(RemediationSilenceStatus::getState).orElse(null)).isEqualTo(write);
    assertThat(r.delete()).isEqualTo(delete);
    assertThat(r.recheck().orElse(null)).isEqualTo(recheck);
    // Once its own write is seen, deciding again writes nothing.
    r.status().ifPresent(s::setStatus);
    assertThat(SilenceLifecycle.review(s, NOW, RETENTION).status()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      nullValues = "-",
      value = {
        "-,    -,        endsAt is missing",
        "-,    tomorrow, endsAt 'tomorrow' is not an RFC 3339 time",
        "soon, 2026-05-27T14:00:00Z, startsAt 'soon' is not an RFC 3339 time",
      })
  void anInvalidSilenceSaysWhy(String startsAt, String endsAt, String message) {
    Review r = SilenceLifecycle.review(silence(startsAt, endsAt, null), NOW, RETENTION);
    assertThat(r.status().orElseThrow().getMessage()).startsWith(message);
  }

  @org.junit.jupiter.api.Test
  void aFixedSilenceLosesItsMessage() {
    RemediationSilence s = silence(null, "2026-05-27T14:00:00Z", null);
    s.setStatus(new RemediationSilenceStatus(SilenceState.Invalid, "endsAt is missing"));
    RemediationSilenceStatus written =
        SilenceLifecycle.review(s, NOW, RETENTION).status().orElseThrow();
    assertThat(written.getState()).isEqualTo(SilenceState.Active);
    assertThat(written.getMessage()).isNull();
  }
}
