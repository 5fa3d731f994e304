package dev.homelab.remediation.decision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import dev.homelab.remediation.api.v1alpha1.RemediationSilenceSpec;
import dev.homelab.remediation.api.v1alpha1.SilenceMatchers;
import dev.homelab.remediation.decision.Silences.Silence;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which silence silences an incident: globs, absent matchers, node-level events, the window. */
class SilencesTest {
  static final Instant NOW = Instant.parse("2026-05-27T12:00:00Z");

  /** Active from an hour ago to an hour from now. */
  static Silence silence(String name, String node, String service, String eventType) {
    return new Silence(
        name, node, service, eventType, NOW.minusSeconds(3600), NOW.plusSeconds(3600));
  }

  @ParameterizedTest(name = "[{index}] {0} ~ {1}: {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        // pattern, value, matches
        "null,          zigbee2mqtt,   true", // absent: anything
        "'',            zigbee2mqtt,   true", // empty is absent
        "null,          null,          true",
        "zigbee2mqtt,   zigbee2mqtt,   true",
        "zigbee2mqtt,   zigbee2mqt,    false",
        "zigbee2mqtt,   zigbee2mqttx,  false",
        "Zigbee2MQTT,   zigbee2mqtt,   true", // case-insensitive, both ways
        "zigbee2mqtt,   ZIGBEE2MQTT,   true",
        "*,             anything,      true",
        "*,             null,          true", // * matches a node-level event's missing service
        "**,            null,          true",
        "zig*,          zigbee2mqtt,   true",
        "zig*,          zig,           true", // * matches the empty run
        "zig*,          null,          false",
        "*mqtt,         zigbee2mqtt,   true",
        "*mqtt,         mqttbroker,    false",
        "z*2*t,         zigbee2mqtt,   true",
        "z*2*t,         zigbeemqtt,    false",
        "*bee*,         zigbee2mqtt,   true",
        "a*a*a,         aaaa,          true", // backtracking
        "a*a*a,         aa,            false",
        "container_*,   container_restarting, true",
        "container_*,   service_unhealthy,    false",
        // everything but * is literal: no regex, no ? or [ ]
        "zig.ee,        zigbee,        false",
        "zig.ee,        zig.ee,        true",
        "zig?ee,        zigbee,        false",
        "[a-z]*,        abc,           false",
        "'.*',          abc,           false",
      })
  void globs(String pattern, String value, boolean matches) {
    assertThat(Silences.glob(pattern, value)).isEqualTo(matches);
  }

  @ParameterizedTest(name = "[{index}] silence {0}/{1}/{2} vs event {3}/{4}/{5}: {6}")
  @CsvSource(
      nullValues = "-",
      value = {
        // silence node, service, eventType | event node, service, eventType | silenced
        "-,       -,           -,                 chelsty, zigbee2mqtt, service_unhealthy, true",
        "chelsty, -,           -,                 chelsty, zigbee2mqtt, service_unhealthy, true",
        "chelsty, -,           -,                 solaria, zigbee2mqtt, service_unhealthy, false",
        "chelsty, zigbee2mqtt, -,                 chelsty, zigbee2mqtt, container_restarting, true",
        "chelsty, zigbee2mqtt, -,                 chelsty, mosquitto,   service_unhealthy, false",
        "-,       -,           service_unhealthy, solaria, ollama,      service_unhealthy, true",
        "-,       -,           service_unhealthy, solaria, ollama,      disk_full,         false",
        "chel*,   zig*,        service_*,         chelsty, zigbee2mqtt, service_unhealthy, true",
        "chel*,   zig*,        service_*,         chelsty, zigbee2mqtt, node_offline,      false",
        // node-level events (no service): only an absent or * service matcher matches
        "chelsty, -,           -,                 chelsty, -,           node_offline,      true",
        "chelsty, *,           -,                 chelsty, -,           node_offline,      true",
        "chelsty, zigbee2mqtt, -,                 chelsty, -,           node_offline,      false",
        "chelsty, zig*,        -,                 chelsty, -,           node_offline,      false",
        "-,       -,           node_*,            chelsty, -,           node_offline,      true",
        // case-insensitive like names
        "CHELSTY, Zigbee2mqtt, Service_Unhealthy, chelsty, zigbee2mqtt, service_unhealthy, true",
      })
  void matchers(
      String sNode,
      String sService,
      String sEvent,
      String node,
      String service,
      String eventType,
      boolean silenced) {
    List<Silence> silences = List.of(silence("s1", sNode, sService, sEvent));
    assertThat(Silences.matching(silences, node, service, eventType, NOW))
        .isEqualTo(silenced ? Optional.of("s1") : Optional.empty());
  }

  @ParameterizedTest(name = "[{index}] starts {0}s, ends {1}s from now: active {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        // startsAt and endsAt as seconds from NOW (null: no startsAt) | active
        "-3600, 3600, true",
        "null,  3600, true", // no startsAt: active from creation
        "0,     3600, true", // startsAt <= now
        "1,     3600, false", // not yet
        "-3600, 1,    true",
        "-3600, 0,    false", // now < endsAt, so ending now is over
        "-3600, -1,   false",
        "null,  0,    false",
        "10,    5,    false", // ends before it starts: never active
        "-5,    -10,  false",
      })
  void timeBounds(Long startsIn, long endsIn, boolean active) {
    Silence s =
        new Silence(
            "s1",
            null,
            null,
            null,
            startsIn == null ? null : NOW.plusSeconds(startsIn),
            NOW.plusSeconds(endsIn));
    assertThat(s.activeAt(NOW)).isEqualTo(active);
    assertThat(Silences.matching(List.of(s), "chelsty", "x", "y", NOW).isPresent())
        .isEqualTo(active);
  }

  @org.junit.jupiter.api.Test
  void theFirstMatchingActiveSilenceByNameIsReported() {
    Silence expired = new Silence("a-expired", "chelsty", null, null, null, NOW.minusSeconds(1));
    Silence other = silence("b-other", "solaria", null, null);
    Silence wide = silence("d-wide", null, null, null);
    Silence narrow = silence("c-narrow", "chelsty", "zigbee2mqtt", null);
    assertThat(
            Silences.matching(
                List.of(wide, expired, other, narrow),
                "chelsty",
                "zigbee2mqtt",
                "service_unhealthy",
                NOW))
        .contains("c-narrow");
    assertThat(Silences.matching(List.of(), "chelsty", "zigbee2mqtt", "x", NOW)).isEmpty();
  }

  @ParameterizedTest(name = "[{index}] startsAt {0}, endsAt {1}: valid {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        "null,                      2026-05-27T13:00:00Z,      true",
        "2026-05-27T11:00:00Z,      2026-05-27T13:00:00Z,      true",
        "2026-05-27T13:00:00+02:00, 2026-05-27T14:00:00.5+02:00, true",
        "null,                      null,                      false",
        "null,                      tomorrow,                  false",
        "yesterday,                 2026-05-27T13:00:00Z,      false",
        "null,                      2026-05-27,                false",
      })
  void resourcesBecomeSilencesWhenTheirTimesParse(String startsAt, String endsAt, boolean valid) {
    RemediationSilence r = new RemediationSilence();
    r.setMetadata(new ObjectMetaBuilder().withName("s1").build());
    RemediationSilenceSpec spec = new RemediationSilenceSpec();
    spec.setMatchers(new SilenceMatchers("chelsty", null, "node_*"));
    spec.setStartsAt(startsAt);
    spec.setEndsAt(endsAt);
    r.setSpec(spec);
    Optional<Silence> s = Silences.of(r);
    assertThat(s.isPresent()).isEqualTo(valid);
    s.ifPresent(
        v -> {
          assertThat(v.name()).isEqualTo("s1");
          assertThat(v.node()).isEqualTo("chelsty");
          assertThat(v.service()).isNull();
          assertThat(v.eventType()).isEqualTo("node_*");
          assertThat(v.endsAt()).isEqualTo(Silences.instant(endsAt).orElseThrow());
        });
  }

  @org.junit.jupiter.api.Test
  void aResourceWithoutMatchersMatchesEverything() {
    RemediationSilence r = new RemediationSilence();
    r.setMetadata(new ObjectMetaBuilder().withName("all").build());
    RemediationSilenceSpec spec = new RemediationSilenceSpec();
    spec.setEndsAt("2026-05-27T13:00:00Z");
    r.setSpec(spec);
    assertThat(Silences.matching(List.of(Silences.of(r).orElseThrow()), "n", null, "e", NOW))
        .contains("all");
  }
}
