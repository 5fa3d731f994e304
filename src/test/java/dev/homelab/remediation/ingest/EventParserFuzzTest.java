package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.homelab.remediation.decision.HealthEvent;
import dev.homelab.remediation.decision.Names;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A generated corpus of mutated payloads (seeded, so a failure reproduces): no exception escapes
 * the parser, every accepted event satisfies the name rules, and parsing is deterministic.
 */
class EventParserFuzzTest {
  static final Instant T = Instant.parse("2026-06-01T00:00:00Z");
  static final long SEED = 20261125L;
  static final int CASES = 30_000;
  static final String[] SEEDS = {
    "{\"event_type\":\"service_unhealthy\",\"node\":\"chelsty\",\"service\":\"zigbee2mqtt\",\"severity\":\"warning\","
        + "\"message\":\"health check failing for 3m\",\"details\":{\"container\":\"zigbee2mqtt\",\"restart_count\":4},"
        + "\"timestamp\":\"2026-05-27T17:11:39.123+02:00\"}",
    "{\"type\":\"container_restarting\",\"svc_key\":\"chelsty/zigbee2mqtt\",\"data\":{\"node\":\"chelsty\","
        + "\"service\":\"zigbee2mqtt\",\"state\":\"restarting\",\"reason\":\"crash loop\"},\"ts\":1779902000.5}",
    "{\"event_type\":\"node_offline\",\"node\":\"solaria\",\"timestamp\":1779902000123}",
    "{\"type\":\"disk_pressure\",\"svc_key\":\"boreal\",\"ts\":\"2026-05-27T17:11:39\"}",
  };
  static final String[] NASTY = {
    "\u0000",
    "\n",
    "/",
    "..",
    "../",
    "\\",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    " ",
    "\u202e",
    "\ud83d\ude00",
    "null",
    "true",
    "1e309",
    "-0",
    "9999999999999999999999",
    "\"\"",
    "{}",
    "[]",
    "Ä",
    "%2e%2e",
    "\t",
    "\r\n",
  };

  final EventParser parser = new EventParser(65536);

  static byte[] mutate(Random r, byte[] in) {
    byte[] b = in.clone();
    int kind = r.nextInt(7);
    switch (kind) {
      case 0 -> { // flip random bytes
        for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
          b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        }
        return b;
      }
      case 1 -> { // truncate
        byte[] t = new byte[r.nextInt(b.length)];
        System.arraycopy(b, 0, t, 0, t.length);
        return t;
      }
      case 2, 3 -> { // insert a nasty token somewhere
        String s = new String(b, StandardCharsets.UTF_8);
        int at = r.nextInt(s.length() + 1);
        return (s.substring(0, at) + NASTY[r.nextInt(NASTY.length)] + s.substring(at))
            .getBytes(StandardCharsets.UTF_8);
      }
      case 4 -> { // replace a quoted value with a nasty one
        String s = new String(b, StandardCharsets.UTF_8);
        String[] parts = s.split("\"", -1);
        if (parts.length > 3) {
          int i = 1 + 2 * r.nextInt((parts.length - 1) / 2);
          parts[i] = NASTY[r.nextInt(NASTY.length)].replace("\"", "\\\"");
        }
        return String.join("\"", parts).getBytes(StandardCharsets.UTF_8);
      }
      case 5 -> { // duplicate a slice
        int from = r.nextInt(b.length);
        int len = Math.min(b.length - from, 1 + r.nextInt(20));
        byte[] out = new byte[b.length + len];
        System.arraycopy(b, 0, out, 0, from + len);
        System.arraycopy(b, from, out, from + len, b.length - from);
        return out;
      }
      default -> { // random bytes
        byte[] out = new byte[r.nextInt(200)];
        r.nextBytes(out);
        return out;
      }
    }
  }

  @Test
  void mutatedPayloadsNeverThrowAndAcceptedOnesAreSafe() {
    Random r = new Random(SEED);
    int accepted = 0;
    int rejected = 0;
    for (int i = 0; i < CASES; i++) {
      byte[] base = SEEDS[r.nextInt(SEEDS.length)].getBytes(StandardCharsets.UTF_8);
      byte[] payload = base;
      for (int m = 0, n = 1 + r.nextInt(3); m < n && payload.length > 0; m++) {
        payload = mutate(r, payload);
      }
      byte[] p = payload;
      List<ParseOutcome> out = new ArrayList<>();
      assertThatCode(() -> out.add(parser.parse(p, "health_events", T)))
          .as("case %d: %s", i, new String(p, StandardCharsets.UTF_8))
          .doesNotThrowAnyException();
      ParseOutcome o = out.get(0);
      assertThat(o).isNotNull();
      if (o instanceof ParseOutcome.Accepted a) {
        accepted++;
        HealthEvent e = a.event();
        assertThat(e.node()).matches(Names.NAME).hasSizeLessThanOrEqualTo(63).doesNotContain("..");
        e.service()
            .ifPresent(
                s ->
                    assertThat(s)
                        .matches(Names.NAME)
                        .hasSizeLessThanOrEqualTo(63)
                        .doesNotContain(".."));
        assertThat(Names.proposalName(e))
            .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")
            .hasSizeLessThanOrEqualTo(63);
        // Deterministic: the same bytes normalise the same way.
        ParseOutcome again = parser.parse(p, "health_events", T);
        assertThat(again).isEqualTo(o);
      } else if (o instanceof ParseOutcome.Rejected) {
        rejected++;
      }
    }
    // The corpus exercises both sides.
    assertThat(accepted).isGreaterThan(CASES / 20);
    assertThat(rejected).isGreaterThan(CASES / 4);
  }

  @Test
  void unmutatedSeedsAreAlwaysAccepted() {
    for (String s : SEEDS) {
      assertThat(parser.parse(s.getBytes(StandardCharsets.UTF_8), "health_events", T))
          .isInstanceOf(ParseOutcome.Accepted.class);
    }
  }
}
