package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.ingest.FoldScan.Identity;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tree-less read of plain events never says more than the parser: what it reads the parser
 * accepts, with the same type, svcKey and time; what it is not sure of it leaves to the parser.
 */
class FoldScanTest {
  static final Instant RECEIVED = Instant.parse("2026-12-01T12:00:00Z");
  final EventParser parser = new EventParser(65_536);

  static Identity scan(String json) {
    return FoldScan.scan(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsThePlainShapeAsTheParserDoes() {
    String storm =
        "{\"event_type\":\"service_unhealthy\",\"node\":\"bertha\",\"service\":\"web\","
            + "\"severity\":\"critical\",\"message\":\"health check failing\",\"details\":"
            + "{\"restart_count\":3,\"probe\":\"/healthz\",\"l\":[1,-2.5e3,true,null,\"\\u00e9\"]},"
            + "\"timestamp\":\"2026-12-01T10:00:00.123Z\"}";
    Identity id = scan(storm);
    assertThat(id)
        .isEqualTo(
            new Identity(
                "service_unhealthy",
                false,
                "bertha/web",
                Instant.parse("2026-12-01T10:00:00.123Z")));
    agrees(id, storm);
    Identity benign =
        scan(
            " {\"timestamp\":\"2026-12-01T10:00:00Z\" , \"node\" : \"chelsty\", "
                + "\"service\":null,\"event_type\":\"heartbeat\"}\n");
    assertThat(benign)
        .isEqualTo(
            new Identity("heartbeat", true, "chelsty", Instant.parse("2026-12-01T10:00:00Z")));
    assertThat(
            scan("{\"event_type\":\"x y\",\"node\":\"a.b-c_d\",\"service\":\"\",\"timestamp\":\"2026-12-01T10:00:00Z\"}")
                .svcKey())
        .isEqualTo("a.b-c_d");
  }

  @Test
  void readsWholeEpochSecondsAndMillisecondsAsTheParserDoes() {
    String seconds = "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":1764583200}";
    String millis = "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":1764583200123}";
    assertThat(scan(seconds).observedAt()).isEqualTo(Instant.ofEpochSecond(1_764_583_200L));
    assertThat(scan(millis).observedAt()).isEqualTo(Instant.ofEpochMilli(1_764_583_200_123L));
    agrees(scan(seconds), seconds);
    agrees(scan(millis), millis);
  }

  /** Each of these the parser reads otherwise, rejects, or reads a field this read does not. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"event_type\":\"Service_Down\",\"node\":\"bertha\",\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\" x\",\"node\":\"bertha\",\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"node\":\"Bertha\",\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"node\":\"bert\\u0068a\",\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"node\":\"a..b\",\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"node\":\"-a\",\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"node\":\"\",\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"node\":5,\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"service\":7,\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"node\":\"b\",\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"type\":\"y\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"svc_key\":\"a/b\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"data\":{},\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"ts\":1,\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"node\":\"a\"}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00+01:00\"}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":1764583200.5}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":-1}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":1e9}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":253402300800000}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-13-01T10:00:00Z\"}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\",\"m\":\"\u00e9\"}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\",\"m\":01}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\",\"m\":1.}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\",\"m\":[1,]}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\",}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\"} x",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\"",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\",\"m\":\"\\x\"}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\",\"m\":\"\\ud800\"}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\",\"m\":nul}",
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\",\"m\":\"a\tb\"}",
        "{\"event_type\":\"x\u007f\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "{\"event_type\":null,\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\"}",
        "[{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\"}]",
        "{}",
        ""
      })
  void leavesToTheParserWhatItIsNotSureOf(String json) {
    assertThat(scan(json)).isNull();
  }

  @Test
  void nestingPastItsDepthIsLeftToTheParser() {
    String deep = "[".repeat(FoldScan.MAX_DEPTH) + "]".repeat(FoldScan.MAX_DEPTH);
    String shallow = "[".repeat(FoldScan.MAX_DEPTH - 1) + "]".repeat(FoldScan.MAX_DEPTH - 1);
    String plain =
        "{\"event_type\":\"x\",\"node\":\"a\",\"timestamp\":\"2026-12-01T10:00:00Z\",\"d\":";
    assertThat(scan(plain + deep + "}")).isNull();
    assertThat(scan(plain + shallow + "}")).isNotNull();
  }

  /**
   * Random events of the plain shape and near it, then mutated byte by byte: whenever the scan
   * reads one, the parser accepts it with the same identity, and on the unmutated plain ones the
   * scan reads most (so this compares something).
   */
  @Test
  void onRandomAndMutatedMessagesItNeverDisagreesWithTheParser() {
    Random random = new Random(1_616);
    FoldScan shared = new FoldScan();
    int read = 0;
    int plainRead = 0;
    int plainTotal = 0;
    for (int n = 0; n < 30_000; n++) {
      boolean plainOnly = n % 3 == 0;
      byte[] b = event(random, n % 3 != 2).getBytes(StandardCharsets.UTF_8);
      if (!plainOnly) {
        b = mutate(random, b);
      }
      Identity id = FoldScan.scan(b);
      // One reader remembering the names it read lately answers as a fresh one.
      assertThat(shared.read(b)).as(new String(b, StandardCharsets.UTF_8)).isEqualTo(id);
      if (plainOnly) {
        plainTotal++;
        plainRead += id == null ? 0 : 1;
      }
      if (id != null) {
        read++;
        agrees(id, b);
      }
    }
    System.out.printf(
        "FoldScan read %d plain of %d, %d mutated%n", plainRead, plainTotal, read - plainRead);
    assertThat(plainRead).as("plain events read of %d", plainTotal).isGreaterThan(plainTotal / 2);
    assertThat(read - plainRead).as("mutated events read").isGreaterThan(500);
  }

  void agrees(Identity id, String json) {
    agrees(id, json.getBytes(StandardCharsets.UTF_8));
  }

  void agrees(Identity id, byte[] b) {
    ParseOutcome outcome = parser.parse(b, "health_events", RECEIVED);
    String text = new String(b, StandardCharsets.UTF_8);
    if (id.benign()) {
      assertThat(outcome).as(text).isInstanceOf(ParseOutcome.Benign.class);
      ParseOutcome.Benign benign = (ParseOutcome.Benign) outcome;
      assertThat(benign.eventType()).as(text).isEqualTo(id.eventType());
      assertThat(benign.svcKey()).as(text).isEqualTo(id.svcKey());
      assertThat(benign.observedAt()).as(text).isEqualTo(id.observedAt());
    } else if (outcome instanceof ParseOutcome.Accepted a) {
      assertThat(a.event().eventType()).as(text).isEqualTo(id.eventType());
      assertThat(a.event().svcKey()).as(text).isEqualTo(id.svcKey());
      assertThat(a.event().observedAt()).as(text).isEqualTo(id.observedAt());
      assertThat(a.event().timestampGiven()).as(text).isTrue();
    } else {
      throw new AssertionError("read " + id + " but the parser says " + outcome + ": " + text);
    }
  }

  static final String[] TYPES = {
    "service_unhealthy",
    "heartbeat",
    "service_healthy",
    "Service_Down",
    "x y",
    " pad",
    "node_offline"
  };
  static final String[] NAMES = {
    "bertha", "web", "a", "a.b", "a-b_c", "Web", "a..b", "-a", "", "bert\\u0068a", "z9", "é"
  };
  static final String[] TIMES = {
    "\"2026-12-01T10:00:00Z\"",
    "\"2026-12-01T10:00:00.5Z\"",
    "\"2026-12-01T10:00:00.123456789Z\"",
    "\"2026-02-30T10:00:00Z\"",
    "\"2026-12-01T10:00:00+01:00\"",
    "\" 2026-12-01T10:00:00Z\"",
    "1764583200",
    "1764583200123",
    "100000000001",
    "253402300799999",
    "253402300800000",
    "0",
    "null"
  };

  static final String[] PLAIN_TIMES = {
    "\"2026-12-01T10:00:00Z\"", "\"2026-12-01T10:00:00.5Z\"", "1764583200", "1764583200123"
  };

  static String event(Random r, boolean plainOnly) {
    List<String> fields = new ArrayList<>();
    fields.add("\"event_type\":\"" + pick(r, TYPES, plainOnly ? 3 : TYPES.length) + "\"");
    fields.add("\"node\":\"" + pick(r, NAMES, plainOnly ? 5 : NAMES.length) + "\"");
    if (r.nextInt(4) > 0) {
      fields.add(
          r.nextInt(10) == 0
              ? "\"service\":null"
              : "\"service\":\"" + pick(r, NAMES, plainOnly ? 5 : NAMES.length) + "\"");
    }
    String[] times = plainOnly ? PLAIN_TIMES : TIMES;
    fields.add("\"timestamp\":" + pick(r, times, times.length));
    int extra = r.nextInt(4);
    for (int k = 0; k < extra; k++) {
      String[] keys = {"severity", "message", "details", "extra", "k\\u00e9y", "n"};
      fields.add("\"" + pick(r, keys, keys.length) + "\":" + value(r, 0));
    }
    if (!plainOnly && r.nextInt(10) == 0) {
      String[] others = {"\"type\":\"x\"", "\"ts\":1", "\"svc_key\":\"a/b\"", "\"data\":{}"};
      fields.add(pick(r, others, others.length));
    }
    Collections.shuffle(fields, r);
    String ws = plainOnly ? "" : pick(r, new String[] {"", " ", "\n", "\t ", "\r\n"}, 5);
    return ws + "{" + ws + String.join("," + ws, fields) + ws + "}" + ws;
  }

  static String value(Random r, int depth) {
    int kind = r.nextInt(depth > 3 ? 5 : 7);
    switch (kind) {
      case 0:
        String[] strings = {"\"\"", "\"a\\\"b\"", "\"\\u00e9\\n\\/\"", "\"\\u0000\"", "\"ok\""};
        return pick(r, strings, strings.length);
      case 1:
        String[] numbers = {
          "0", "-0", "12", "-3.25", "1e999", "2E-7", "0.0e+0", "123456789012345678901234567890"
        };
        return pick(r, numbers, numbers.length);
      case 2:
        return "true";
      case 3:
        return "false";
      case 4:
        return "null";
      case 5:
        List<String> items = new ArrayList<>();
        for (int k = r.nextInt(3); k > 0; k--) {
          items.add(value(r, depth + 1));
        }
        return "[" + String.join(",", items) + "]";
      default:
        List<String> members = new ArrayList<>();
        for (int k = r.nextInt(3); k > 0; k--) {
          members.add("\"m" + k + "\":" + value(r, depth + 1));
        }
        return "{" + String.join(", ", members) + "}";
    }
  }

  static final byte[] NOISE =
      "{}[]\",:\\ 0123456789aeEnul.-+tfrs\t\n".getBytes(StandardCharsets.US_ASCII);

  static byte[] mutate(Random r, byte[] b) {
    int edits = 1 + r.nextInt(2);
    byte[] out = b;
    for (int e = 0; e < edits && out.length > 1; e++) {
      int at = r.nextInt(out.length);
      byte c =
          r.nextInt(20) == 0
              ? (byte) new int[] {0, 0x7f, 0xc3, 0xff}[r.nextInt(4)]
              : NOISE[r.nextInt(NOISE.length)];
      switch (r.nextInt(4)) {
        case 0 -> out[at] = c;
        case 1 -> {
          byte[] shorter = new byte[out.length - 1];
          System.arraycopy(out, 0, shorter, 0, at);
          System.arraycopy(out, at + 1, shorter, at, out.length - at - 1);
          out = shorter;
        }
        case 2 -> {
          byte[] longer = new byte[out.length + 1];
          System.arraycopy(out, 0, longer, 0, at);
          longer[at] = c;
          System.arraycopy(out, at, longer, at + 1, out.length - at);
          out = longer;
        }
        default -> out = java.util.Arrays.copyOf(out, at); // cut short
      }
    }
    return out;
  }

  static String pick(Random r, String[] from, int firstN) {
    return from[r.nextInt(firstN)];
  }
}
