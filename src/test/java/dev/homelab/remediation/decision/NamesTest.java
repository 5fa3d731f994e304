package dev.homelab.remediation.decision;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NamesTest {
  static HealthEvent event(String node, String service, Instant observed, boolean given) {
    Optional<String> svc = Optional.ofNullable(service);
    return new HealthEvent(
        "service_unhealthy",
        node,
        svc,
        Names.svcKey(node, svc),
        "warning",
        null,
        "health_events",
        observed,
        given,
        null,
        null,
        Instant.parse("2026-01-01T00:00:00Z"),
        "abc123");
  }

  @Test
  void nameIsDeterministicAndValid() {
    Instant t = Instant.parse("2026-05-27T15:11:39.123Z");
    String a = Names.proposalName(event("chelsty", "zigbee2mqtt", t, true));
    String b = Names.proposalName(event("chelsty", "zigbee2mqtt", t, true));
    assertThat(a)
        .isEqualTo(b)
        .startsWith("chelsty-zigbee2mqtt-")
        .hasSize("chelsty-zigbee2mqtt-".length() + 10);
    assertThat(a).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  }

  @Test
  void differentIncidentsGetDifferentNames() {
    Instant t = Instant.parse("2026-05-27T15:11:39.123Z");
    assertThat(Names.proposalName(event("a", "b", t, true)))
        .isNotEqualTo(Names.proposalName(event("a", "b", t.plusMillis(1), true)))
        .isNotEqualTo(Names.proposalName(event("a", "c", t, true)));
  }

  @Test
  void withoutTimestampTheNameComesFromThePayload() {
    String a = Names.proposalName(event("a", "b", Instant.parse("2026-01-01T00:00:00Z"), false));
    String b = Names.proposalName(event("a", "b", Instant.parse("2026-02-01T00:00:00Z"), false));
    assertThat(a).isEqualTo(b);
  }

  @Test
  void theSamePayloadWithoutTimestampOpensANewIncidentInALaterMinute() {
    HealthEvent first = untimed(Instant.parse("2026-01-01T00:00:05Z"));
    HealthEvent redelivered = untimed(Instant.parse("2026-01-01T00:00:50Z"));
    HealthEvent later = untimed(Instant.parse("2026-01-01T00:06:00Z"));
    assertThat(Names.proposalName(redelivered)).isEqualTo(Names.proposalName(first));
    assertThat(Names.proposalName(later)).isNotEqualTo(Names.proposalName(first));
  }

  @Test
  void underAShortCooldownAnUntimedEventAfterTheWindowGetsANewName() {
    Duration cooldown = Duration.ofSeconds(10);
    HealthEvent first = untimed(Instant.parse("2026-01-01T00:00:01Z"));
    HealthEvent redelivered = untimed(Instant.parse("2026-01-01T00:00:09Z"));
    HealthEvent afterTheWindow = untimed(Instant.parse("2026-01-01T00:00:12Z"));
    String name = Names.proposalName(first, cooldown, null);
    assertThat(Names.proposalName(redelivered, cooldown, null)).isEqualTo(name);
    assertThat(Names.proposalName(afterTheWindow, cooldown, null)).isNotEqualTo(name);
    // Any arrival at least a window after the first lands in a later bucket.
    for (long s = 1; s <= 120; s++) {
      Duration window = Duration.ofSeconds(s);
      HealthEvent opening = untimed(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(s * 7 % 61));
      HealthEvent later = untimed(opening.receivedAt().plus(window));
      assertThat(Names.proposalName(later, window, null))
          .as("cooldown %ss", s)
          .isNotEqualTo(Names.proposalName(opening, window, null));
    }
  }

  @Test
  void theDefaultCooldownKeepsTheNamesOfEarlierVersions() {
    HealthEvent e = untimed(Instant.parse("2026-01-01T00:00:05Z"));
    assertThat(Names.proposalName(e, Duration.ofSeconds(300), null))
        .isEqualTo(Names.proposalName(e))
        .isEqualTo(Names.proposalName(e, Duration.ofSeconds(60), null));
    HealthEvent timed = event("a", "b", Instant.parse("2026-05-27T15:11:39Z"), true);
    assertThat(Names.proposalName(timed, Duration.ofSeconds(5), "a-b-0123456789"))
        .isEqualTo(Names.proposalName(timed));
  }

  @Test
  void anUntimedRecurrenceInTheSameBucketIsNamedAfterTheIncidentItFollows() {
    HealthEvent first = untimed(Instant.parse("2026-01-01T00:00:05Z"));
    HealthEvent again = untimed(Instant.parse("2026-01-01T00:00:30Z"));
    String firstName = Names.proposalName(first, Duration.ofSeconds(300), null);
    String next = Names.proposalName(again, Duration.ofSeconds(300), firstName);
    assertThat(next).isNotEqualTo(firstName).startsWith("a-b-");
    assertThat(Names.proposalName(again, Duration.ofSeconds(300), firstName)).isEqualTo(next);
  }

  static HealthEvent untimed(Instant received) {
    return new HealthEvent(
        "service_unhealthy",
        "a",
        Optional.of("b"),
        "a/b",
        "warning",
        null,
        "health_events",
        received,
        false,
        null,
        null,
        received,
        "abc123");
  }

  @Test
  void longAndUnderscoredNamesStayValid() {
    String node = "n".repeat(40);
    String service = "my_service.v2_" + "s".repeat(40);
    String name = Names.proposalName(event(node, service, Instant.EPOCH, true));
    assertThat(name).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  }

  @Test
  void nodeLevelName() {
    assertThat(Names.proposalName(event("solaria", null, Instant.EPOCH, true)))
        .startsWith("solaria-");
  }

  @Test
  void normaliseAcceptsAndFolds() {
    assertThat(Names.normalise("Zigbee2MQTT")).contains("zigbee2mqtt");
    assertThat(Names.normalise("home_assistant.v2")).contains("home_assistant.v2");
    assertThat(Names.normalise("a")).contains("a");
    assertThat(Names.normalise("../x")).isEmpty();
    assertThat(Names.normalise("a..b")).isEmpty();
    assertThat(Names.normalise("a/b")).isEmpty();
    assertThat(Names.normalise(null)).isEmpty();
  }
}
