package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.ingest.Triage.Rank;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shedding rank read from raw bytes agrees with what the parser would make of them. */
class TriageTest {
  static final Set<String> OPEN = Set.of("bertha/web", "solaria/ollama", "chelsty");

  final List<String> asked = new ArrayList<>();
  final Triage triage =
      new Triage(
          k -> {
            asked.add(k);
            return OPEN.contains(k);
          });

  Rank rank(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return triage.rank(b, 0, b.length);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"event_type\":\"service_down\",\"node\":\"bertha\",\"service\":\"web\",\"severity\":\"critical\"}|REPEAT",
        "{\"event_type\":\"service_down\",\"node\":\"BERTHA\",\"service\":\"Web\"}|REPEAT",
        "{\"event_type\":\"service_down\",\"node\":\"bertha\",\"service\":\"db\",\"severity\":\"critical\"}|CRITICAL",
        "{\"event_type\":\"service_down\",\"node\":\"bertha\",\"service\":\"db\",\"severity\":\"INFO\"}|INFO",
        "{\"event_type\":\"service_down\",\"node\":\"bertha\",\"service\":\"db\"}|WARNING",
        "{\"event_type\":\"service_down\",\"node\":\"bertha\",\"service\":\"db\",\"severity\":\"error\"}|WARNING",
        "{\"event_type\":\"Service_Healthy\",\"node\":\"bertha\",\"service\":\"web\"}|BENIGN",
        "{\"event_type\":\" heartbeat \",\"node\":\"bertha\"}|BENIGN",
        "{\"event_type\":\"node_offline\",\"node\":\"chelsty\"}|REPEAT",
        "{\"type\":\"container_restarting\",\"svc_key\":\"solaria/ollama\",\"data\":{\"reason\":\"x\"}}|REPEAT",
        "{\"type\":\"container_restarting\",\"data\":{\"node\":\"solaria\",\"service\":\"ollama\",\"severity\":\"info\"}}|REPEAT",
        "{\"type\":\"container_restarting\",\"data\":{\"node\":\"solaria\",\"service\":\"vllm\",\"severity\":\"info\"}}|INFO",
        "{\"event_type\":\"x\",\"type\":\"heartbeat\",\"node\":\"bertha\"}|WARNING",
        "{\"event_type\":\"service_down\",\"node\":\"bert\\u0068a\",\"service\":\"web\"}|UNKNOWN",
        "{\"event_type\":\"service_down\",\"node\":\"bertha\",\"service\":\"web\"|UNKNOWN",
        "[1,2,3]|UNKNOWN",
        "not json|UNKNOWN",
        "{\"node\":\"bertha\",\"service\":\"web\"}|UNKNOWN",
        "{\"event_type\":\"service_down\",\"node\":\"bad name!\",\"service\":\"web\"}|UNKNOWN",
        "{\"details\":{\"a\":[1,{\"b\":\"}\"}]},\"event_type\":\"service_down\",\"node\":\"bertha\",\"service\":\"web\"}|REPEAT",
        " { \"event_type\" : \"service_down\" , \"node\" : \"bertha\" , \"service\" : \"web\" } |REPEAT",
        "{\"event_type\":\"x\",\"node\":\"chelsty\",\"service\":\"\",\"severity\":\"warning\",\"svc_key\":\"chelsty/z2m\"}|WARNING",
        "{\"event_type\":\"x\",\"node\":\"chelsty\",\"service\":\"zigbee\\u002dbridge\"}|UNKNOWN",
        "{\"event_type\":\"x\",\"node\":\"chelsty\",\"service\":5}|UNKNOWN",
        "{\"event_type\":\"x\",\"node\":\"chelsty\",\"service\":null}|REPEAT",
        "{\"event_type\":null,\"type\":\"heartbeat\",\"node\":\"bertha\"}|BENIGN",
        "{\"event_type\":\"x\",\"node\":\"solaria\",\"service\":\"ollama\",\"severity\":\" \",\"data\":{\"severity\":\"info\"}}|REPEAT",
        "{\"event_type\":\"x\",\"node\":\"bertha\",\"service\":\"db\",\"severity\":null,\"data\":{\"severity\":\"info\"}}|INFO",
        "{\"event_type\":\"x\",\"node\":\"bertha\",\"service\":\"db\",\"severity\":\" Critical \"}|CRITICAL",
        "{\"event_type\":\" \",\"node\":\"bertha\",\"service\":\"db\",\"severity\":\"info\",\"type\":\"heartbeat\"}|BENIGN",
        "{\"event_type\":\"\",\"node\":\"bertha\",\"service\":\"db\",\"severity\":\"info\"}|INFO",
        "{\"event_type\":\"\",\"node\":\"bertha\",\"service\":\"db\",\"severity\":\"warning\",\"type\":\"service_healthy\"}|BENIGN",
        "{\"event_type\":\"x\",\"node\":\"bertha\",\"service\":\"db\",\"severity\":\"info\\t\"}|UNKNOWN",
        "{\"event_type\":\"x\",\"node\":\"bertha\",\"service\":\"db\",\"severity\":\"  info\",\"data\":{\"severity\":\"critical\"}}|INFO",
      })
  void ranksLikeTheParserWouldDecide(String json, Rank expected) {
    assertThat(rank(json)).isEqualTo(expected);
    assertThat(rank(json))
        .as("the second time, from the look-up of its prefix")
        .isEqualTo(expected);
  }

  @Test
  void aMessageWithTheSamePrefixButAnotherServiceIsNotTakenForTheFirst() {
    assertThat(
            rank(
                "{\"event_type\":\"service_down\",\"node\":\"bertha\",\"service\":\"web\",\"severity\":\"critical\",\"n\":1}"))
        .isEqualTo(Rank.REPEAT);
    assertThat(
            rank(
                "{\"event_type\":\"service_down\",\"node\":\"bertha\",\"service\":\"webx\",\"severity\":\"critical\",\"n\":1}"))
        .isEqualTo(Rank.CRITICAL);
    assertThat(
            rank(
                "{\"event_type\":\"service_down\",\"node\":\"bertha\",\"service\":\"web\",\"severity\":\"criticalx\",\"n\":1}"))
        .isEqualTo(Rank.REPEAT);
  }

  /**
   * Each of the eight prefixes remembered is found by a look-up alone, whichever matched last (the
   * search starts there and wraps around), and a ninth pushes out the oldest.
   */
  @Test
  void everyRememberedPrefixIsFoundWhicheverMatchedLast() {
    List<byte[]> events = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      events.add(
          ("{\"event_type\":\"service_down\",\"node\":\"bertha\",\"service\":\"s"
                  + i
                  + "\",\"severity\":\"critical\",\"n\":"
                  + i
                  + "}")
              .getBytes(StandardCharsets.UTF_8));
    }
    for (int i = 0; i < 8; i++) {
      byte[] e = events.get(i);
      assertThat(triage.known(e, 0, e.length)).as("not seen yet").isNull();
      assertThat(triage.rank(e, 0, e.length)).isEqualTo(Rank.CRITICAL);
    }
    for (int i : new int[] {5, 2, 7, 0, 6, 6, 1, 3, 4}) {
      byte[] e = events.get(i);
      assertThat(triage.known(e, 0, e.length)).as("prefix %d", i).isEqualTo(Rank.CRITICAL);
    }
    byte[] ninth = events.get(8);
    triage.rank(ninth, 0, ninth.length);
    assertThat(triage.known(ninth, 0, ninth.length)).isEqualTo(Rank.CRITICAL);
    assertThat(triage.known(events.get(0), 0, events.get(0).length)).as("the oldest").isNull();
    assertThat(triage.known(events.get(1), 0, events.get(1).length)).isEqualTo(Rank.CRITICAL);
  }

  @Test
  void aMessageCutShortInsideALargerBufferIsNotReadPastItsEnd() {
    String whole =
        "{\"event_type\":\"service_down\",\"node\":\"bertha\",\"service\":\"web\",\"severity\":\"critical\"}";
    byte[] buf = ("$99\r\n" + whole + "\r\n").getBytes(StandardCharsets.UTF_8);
    assertThat(triage.rank(buf, 5, 40)).isEqualTo(Rank.UNKNOWN);
    assertThat(triage.rank(buf, 5, whole.length())).isEqualTo(Rank.REPEAT);
  }

  /**
   * Random events in both shapes, fields in random order: whenever the triage names a svcKey, it is
   * the one the parser derives; it never calls a valid event benign that is not, nor the reverse.
   */
  @Test
  void onRandomEventsTheSvcKeyIsTheParsersOne() {
    Random random = new Random(16);
    EventParser parser = new EventParser(65536);
    String[] nodes = {"bertha", "Chelsty", "solaria", ""};
    String[] services = {"web", "DB", "ollama", "", null};
    String[] types = {"service_down", "heartbeat", "Node_Online", "disk_pressure"};
    for (int n = 0; n < 2_000; n++) {
      List<String> fields = new ArrayList<>();
      fields.add(
          (random.nextBoolean() ? "\"event_type\":\"" : "\"type\":\"")
              + types[random.nextInt(types.length)]
              + "\"");
      String node = nodes[random.nextInt(nodes.length)];
      String service = services[random.nextInt(services.length)];
      switch (random.nextInt(3)) {
        case 0 -> {
          fields.add("\"node\":\"" + node + "\"");
          if (service != null) {
            fields.add("\"service\":\"" + service + "\"");
          }
        }
        case 1 ->
            fields.add(
                "\"data\":{\"node\":\""
                    + node
                    + "\""
                    + (service == null ? "" : ",\"service\":\"" + service + "\"")
                    + ",\"x\":[1,2]}");
        default ->
            fields.add("\"svc_key\":\"" + node + (service == null ? "" : "/" + service) + "\"");
      }
      if (random.nextBoolean()) {
        fields.add("\"severity\":\"" + (random.nextBoolean() ? "info" : "critical") + "\"");
      }
      fields.add("\"details\":{\"k\":\"v,}\",\"n\":" + n + "}");
      java.util.Collections.shuffle(fields, random);
      String json = "{" + String.join(",", fields) + "}";
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);

      asked.clear();
      Rank rank = triage.rank(bytes, 0, bytes.length);
      ParseOutcome parsed = parser.parse(bytes, "h", Instant.now());
      if (parsed instanceof ParseOutcome.Benign) {
        assertThat(rank).as(json).isEqualTo(Rank.BENIGN);
      } else if (parsed instanceof ParseOutcome.Accepted a) {
        assertThat(rank).as(json).isNotEqualTo(Rank.BENIGN);
        if (!asked.isEmpty()) {
          assertThat(asked).as(json).containsExactly(a.event().svcKey());
        }
      }
      // A message the parser rejects may rank anything: the triage does not validate.
    }
  }
}
