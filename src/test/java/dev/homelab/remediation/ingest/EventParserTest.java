package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.decision.HealthEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventParserTest {
  static final Instant RECEIVED = Instant.parse("2026-06-01T10:00:00Z");
  final EventParser parser = new EventParser(65536);

  static byte[] fixture(String name) throws IOException {
    try (InputStream in = EventParserTest.class.getResourceAsStream("/events/" + name)) {
      return in.readAllBytes();
    }
  }

  ParseOutcome parse(String json) {
    return parser.parse(json.getBytes(StandardCharsets.UTF_8), "health_events", RECEIVED);
  }

  HealthEvent accepted(String json) {
    ParseOutcome o = parse(json);
    assertThat(o).isInstanceOf(ParseOutcome.Accepted.class);
    return ((ParseOutcome.Accepted) o).event();
  }

  RejectReason rejected(String json) {
    ParseOutcome o = parse(json);
    assertThat(o).isInstanceOf(ParseOutcome.Rejected.class);
    return ((ParseOutcome.Rejected) o).reason();
  }

  @Test
  void aNulByteOrAByteOrderMarkIsNotJsonTextAsBeforeTheParserReadBytes() {
    byte[] utf16 = "{\"event_type\":\"x\",\"node\":\"a\"}".getBytes(StandardCharsets.UTF_16LE);
    assertThat(((ParseOutcome.Rejected) parser.parse(utf16, "h", RECEIVED)).reason())
        .isEqualTo(RejectReason.NOT_JSON);
    byte[] bom = "\uFEFF{\"event_type\":\"x\",\"node\":\"a\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(((ParseOutcome.Rejected) parser.parse(bom, "h", RECEIVED)).reason())
        .isEqualTo(RejectReason.NOT_JSON);
    byte[] nul = "{\"event_type\":\"x\",\"node\":\"a\"}\u0000".getBytes(StandardCharsets.UTF_8);
    assertThat(((ParseOutcome.Rejected) parser.parse(nul, "h", RECEIVED)).reason())
        .isEqualTo(RejectReason.NOT_JSON);
  }

  @Test
  void shapeA() throws IOException {
    ParseOutcome o = parser.parse(fixture("shape-a.json"), "health_events", RECEIVED);
    HealthEvent e = ((ParseOutcome.Accepted) o).event();
    assertThat(e.eventType()).isEqualTo("service_unhealthy");
    assertThat(e.node()).isEqualTo("chelsty");
    assertThat(e.service()).contains("zigbee2mqtt");
    assertThat(e.svcKey()).isEqualTo("chelsty/zigbee2mqtt");
    assertThat(e.severity()).isEqualTo("warning");
    assertThat(e.message()).isEqualTo("health check failing for 3m");
    assertThat(e.observedAt()).isEqualTo(Instant.parse("2026-05-27T15:11:39.123Z"));
    assertThat(e.timestampGiven()).isTrue();
    assertThat(e.details().get("restart_count").asInt()).isEqualTo(4);
    assertThat(e.sourceChannel()).isEqualTo("health_events");
    assertThat(e.extra()).isNull();
  }

  @Test
  void shapeB() throws IOException {
    ParseOutcome o = parser.parse(fixture("shape-b.json"), "world_updates", RECEIVED);
    HealthEvent e = ((ParseOutcome.Accepted) o).event();
    assertThat(e.eventType()).isEqualTo("container_restarting");
    assertThat(e.node()).isEqualTo("chelsty");
    assertThat(e.service()).contains("zigbee2mqtt");
    assertThat(e.svcKey()).isEqualTo("chelsty/zigbee2mqtt");
    assertThat(e.severity()).isEqualTo("warning");
    assertThat(e.message()).isEqualTo("crash loop");
    assertThat(e.observedAt()).isEqualTo(Instant.parse("2026-05-27T17:13:20.500Z"));
    assertThat(e.details().get("previous_state").asText()).isEqualTo("running");
    assertThat(e.sourceChannel()).isEqualTo("world_updates");
  }

  @Test
  void shapeBTakesNodeAndServiceFromSvcKeyWhenDataLacksThem() {
    HealthEvent e =
        accepted("{\"type\":\"container_died\",\"svc_key\":\"solaria/ollama\",\"ts\":1779902000}");
    assertThat(e.node()).isEqualTo("solaria");
    assertThat(e.service()).contains("ollama");
    assertThat(e.observedAt()).isEqualTo(Instant.ofEpochSecond(1779902000));
  }

  @Test
  void nodeLevelEventHasNoService() {
    HealthEvent e = accepted("{\"event_type\":\"node_offline\",\"node\":\"solaria\"}");
    assertThat(e.service()).isEmpty();
    assertThat(e.svcKey()).isEqualTo("solaria");
    HealthEvent b = accepted("{\"type\":\"node_offline\",\"svc_key\":\"solaria\"}");
    assertThat(b.svcKey()).isEqualTo("solaria");
  }

  @Test
  void missingOptionalFieldsGetDefaults() {
    HealthEvent e =
        accepted("{\"event_type\":\"service_unhealthy\",\"node\":\"a\",\"service\":\"b\"}");
    assertThat(e.severity()).isEqualTo("warning");
    assertThat(e.message()).isNull();
    assertThat(e.details()).isNull();
    assertThat(e.observedAt()).isEqualTo(RECEIVED);
    assertThat(e.timestampGiven()).isFalse();
  }

  @Test
  void unknownFieldsAreKept() {
    HealthEvent e =
        accepted(
            "{\"event_type\":\"x\",\"node\":\"a\",\"agent_version\":\"1.2\",\"labels\":{\"k\":1}}");
    assertThat(e.extra().get("agent_version").asText()).isEqualTo("1.2");
    assertThat(e.extra().get("labels").get("k").asInt()).isEqualTo(1);
  }

  /** The sender's own type or ts beside the event_type or timestamp that was read: kept too. */
  @Test
  void aTypeOrTsBesideTheFieldsReadIsKeptInExtra() {
    HealthEvent e =
        accepted(
            "{\"event_type\":\"service_unhealthy\",\"type\":\"systemd\",\"node\":\"chelsty\","
                + "\"service\":\"zigbee2mqtt\",\"timestamp\":\"2026-05-27T17:11:39Z\","
                + "\"ts\":1779902000}");
    assertThat(e.eventType()).isEqualTo("service_unhealthy");
    assertThat(e.observedAt()).isEqualTo(Instant.parse("2026-05-27T17:11:39Z"));
    assertThat(e.extra().get("type").asText()).isEqualTo("systemd");
    assertThat(e.extra().get("ts").asLong()).isEqualTo(1779902000L);
    HealthEvent b =
        accepted("{\"type\":\"container_restarting\",\"svc_key\":\"a/b\",\"ts\":1779902000}");
    assertThat(b.extra()).as("shape B's own fields, read").isNull();
  }

  /** An empty event_type or a timestamp that is no time leaves it to type and ts (SPEC 2). */
  @Test
  void anEmptyEventTypeOrAnUnreadableTimestampFallsBackToShapeBsField() {
    HealthEvent e =
        accepted(
            "{\"event_type\":\" \",\"type\":\"container_restarting\",\"node\":\"a\","
                + "\"timestamp\":\"n/a\",\"ts\":1779902000.5}");
    assertThat(e.eventType()).isEqualTo("container_restarting");
    assertThat(e.observedAt()).isEqualTo(Instant.ofEpochMilli(1779902000500L));
    assertThat(e.timestampGiven()).isTrue();
    assertThat(parse("{\"event_type\":\"\",\"node\":\"a\"}"))
        .as("no type to fall back to")
        .isInstanceOf(ParseOutcome.Rejected.class);
  }

  @Test
  void severityIsTrimmedAndCaseFolded() {
    HealthEvent e = accepted("{\"event_type\":\"x\",\"node\":\"a\",\"severity\":\" Critical \"}");
    assertThat(e.severity()).isEqualTo("critical");
    HealthEvent blank = accepted("{\"event_type\":\"x\",\"node\":\"a\",\"severity\":\"  \"}");
    assertThat(blank.severity()).as("blank is the default").isEqualTo("warning");
  }

  @Test
  void aMessageOrSeverityThatIsNoTextIsKeptInExtra() {
    HealthEvent e =
        accepted(
            "{\"event_type\":\"x\",\"node\":\"a\",\"message\":{\"text\":\"disk full\"},"
                + "\"severity\":[\"high\"]}");
    assertThat(e.message()).isNull();
    assertThat(e.severity()).isEqualTo("warning");
    assertThat(e.extra().get("message").get("text").asText()).isEqualTo("disk full");
    assertThat(e.extra().get("severity").get(0).asText()).isEqualTo("high");
    assertThat(accepted("{\"event_type\":\"x\",\"node\":\"a\",\"message\":\"m\"}").extra())
        .isNull();
  }

  @Test
  void namesAreCaseFolded() {
    HealthEvent e =
        accepted(
            "{\"event_type\":\"Service_Unhealthy\",\"node\":\"Chelsty\",\"service\":\"Zigbee2MQTT\"}");
    assertThat(e.svcKey()).isEqualTo("chelsty/zigbee2mqtt");
    assertThat(e.eventType()).isEqualTo("service_unhealthy");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"2026-05-27T17:11:39.123+02:00\" | 2026-05-27T15:11:39.123Z",
        "\"2026-05-27T17:11:39Z\"          | 2026-05-27T17:11:39Z",
        "\"2026-05-27T17:11:39.5\"         | 2026-05-27T17:11:39.500Z",
        "\"2026-05-27T17:11:39\"           | 2026-05-27T17:11:39Z",
        "1779902000                        | 2026-05-27T17:13:20Z",
        "1779902000.25                     | 2026-05-27T17:13:20.250Z",
        "1779902000123                     | 2026-05-27T17:13:20.123Z",
        "\"1779902000\"                    | 2026-05-27T17:13:20Z",
        // As Python writes them: %z offsets, str(datetime), a float of milliseconds.
        "\"2026-05-27T17:11:39+0200\"      | 2026-05-27T15:11:39Z",
        "\"2026-05-27T17:11:39.5-07\"      | 2026-05-28T00:11:39.500Z",
        "\"2026-05-27 17:11:39\"           | 2026-05-27T17:11:39Z",
        "\"2026-05-27 17:11:39.123456+00:00\" | 2026-05-27T17:11:39.123456Z",
        "1779902000123.0                   | 2026-05-27T17:13:20.123Z",
      })
  void timestampForms(String json, String expected) {
    HealthEvent a =
        accepted("{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":" + json.trim() + "}");
    assertThat(a.observedAt()).isEqualTo(Instant.parse(expected.trim()));
    assertThat(a.timestampGiven()).isTrue();
    HealthEvent b = accepted("{\"type\":\"x\",\"svc_key\":\"a/b\",\"ts\":" + json.trim() + "}");
    assertThat(b.observedAt()).isEqualTo(Instant.parse(expected.trim()));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"yesterday\"",
        "\"\"",
        "-5",
        "true",
        "{}",
        "99999999999999999999",
        "null",
        "\"2026-05-27  17:11:39\"",
        "\"2026-02-30 17:11:39\"",
        "\"2026-05-27T17:11:39+2\"",
        // ISO years the formatters take but no clock means (and past ±292 million years an
        // instant that has no epoch milliseconds, which the incident's name is made from)
        "\"+999999999-12-31T23:59:59Z\"",
        "\"-999999999-01-01T00:00:00\"",
        "\"+10000-01-01T00:00:00Z\"",
        "\"+10001-01-01 00:00:00+0200\""
      })
  void unparsableTimestampMeansTimeOfReceipt(String ts) {
    HealthEvent e = accepted("{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":" + ts + "}");
    assertThat(e.observedAt()).isEqualTo(RECEIVED);
    assertThat(e.timestampGiven()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "service_healthy",
        "service_recovered",
        "node_online",
        "container_started",
        "heartbeat",
        "check_passed"
      })
  void benignTypesAreSkipped(String type) {
    ParseOutcome o =
        parse(
            "{\"event_type\":\""
                + type
                + "\",\"node\":\"a\",\"service\":\"b\",\"timestamp\":\"2026-05-27T17:11:39Z\"}");
    assertThat(o)
        .isEqualTo(
            new ParseOutcome.Benign(type, "a/b", java.time.Instant.parse("2026-05-27T17:11:39Z")));
  }

  @Test
  void unknownTypesAreActionable() {
    assertThat(accepted("{\"event_type\":\"brand_new_kind\",\"node\":\"a\"}").eventType())
        .isEqualTo("brand_new_kind");
  }

  @Test
  void rejectsNotUtf8() {
    byte[] bad = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
    ParseOutcome o = parser.parse(bad, "health_events", RECEIVED);
    assertThat(((ParseOutcome.Rejected) o).reason()).isEqualTo(RejectReason.NOT_UTF8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"not json", "{\"event_type\":", "{} {}", ""})
  void rejectsNotJson(String text) {
    ParseOutcome o = parse(text);
    assertThat(o).isInstanceOf(ParseOutcome.Rejected.class);
    assertThat(((ParseOutcome.Rejected) o).reason())
        .isIn(RejectReason.NOT_JSON, RejectReason.NOT_OBJECT);
  }

  @ParameterizedTest
  @ValueSource(strings = {"[1,2]", "\"text\"", "42", "null"})
  void rejectsNotAnObject(String json) {
    assertThat(rejected(json)).isEqualTo(RejectReason.NOT_OBJECT);
  }

  @Test
  void rejectsTooLarge() {
    EventParser small = new EventParser(100);
    String big = "{\"event_type\":\"x\",\"node\":\"a\",\"message\":\"" + "y".repeat(200) + "\"}";
    ParseOutcome o = small.parse(big.getBytes(StandardCharsets.UTF_8), "c", RECEIVED);
    assertThat(((ParseOutcome.Rejected) o).reason()).isEqualTo(RejectReason.TOO_LARGE);
  }

  @Test
  void rejectsMissingNode() {
    assertThat(rejected("{\"event_type\":\"service_unhealthy\",\"service\":\"b\"}"))
        .isEqualTo(RejectReason.NO_NODE);
    assertThat(rejected("{\"type\":\"x\",\"data\":{\"service\":\"b\"}}"))
        .isEqualTo(RejectReason.NO_NODE);
  }

  @Test
  void rejectsMissingType() {
    assertThat(rejected("{\"node\":\"a\"}")).isEqualTo(RejectReason.NO_EVENT_TYPE);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../etc",
        "a/b",
        "a b",
        "tab\\there",
        "nl\\nx",
        "-lead",
        "trail-",
        "..",
        "a..b",
        "",
        "ünïcode",
        "x1234567890123456789012345678901234567890123456789012345678901234"
      })
  void rejectsBadNodeNames(String node) {
    String json = "{\"event_type\":\"x\",\"node\":\"" + node + "\",\"service\":\"ok\"}";
    RejectReason r = rejected(json);
    assertThat(r).isIn(RejectReason.BAD_NAME, RejectReason.NO_NODE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"../../etc/passwd", "a/b", "x y", "ctl\\u0007", "\\u0000"})
  void rejectsBadServiceNames(String service) {
    assertThat(rejected("{\"event_type\":\"x\",\"node\":\"a\",\"service\":\"" + service + "\"}"))
        .isEqualTo(RejectReason.BAD_NAME);
  }

  @Test
  void rejectsNonStringNames() {
    assertThat(rejected("{\"event_type\":\"x\",\"node\":42}")).isEqualTo(RejectReason.BAD_NAME);
    assertThat(rejected("{\"event_type\":\"x\",\"node\":\"a\",\"service\":[1]}"))
        .isEqualTo(RejectReason.BAD_NAME);
  }

  @Test
  void rejectsSvcKeyWithTraversal() {
    assertThat(rejected("{\"type\":\"x\",\"svc_key\":\"a/../../etc\"}"))
        .isEqualTo(RejectReason.BAD_NAME);
  }

  @Test
  void sameBytesGiveTheSameEvent() throws IOException {
    byte[] a = fixture("shape-a.json");
    HealthEvent one = ((ParseOutcome.Accepted) parser.parse(a, "health_events", RECEIVED)).event();
    HealthEvent two =
        ((ParseOutcome.Accepted) parser.parse(a, "health_events", RECEIVED.plusSeconds(9))).event();
    assertThat(two.fingerprint()).isEqualTo(one.fingerprint());
    byte[] untimed = "{\"event_type\":\"x\",\"node\":\"a\"}".getBytes(StandardCharsets.UTF_8);
    HealthEvent u1 = ((ParseOutcome.Accepted) parser.parse(untimed, "c", RECEIVED)).event();
    HealthEvent u2 =
        ((ParseOutcome.Accepted) parser.parse(untimed, "c", RECEIVED.plusSeconds(5))).event();
    assertThat(u1.fingerprint()).isNotNull().isEqualTo(u2.fingerprint());
    assertThat(two.observedAt()).isEqualTo(one.observedAt());
    assertThat(Optional.of(one.svcKey())).contains(two.svcKey());
  }
}
