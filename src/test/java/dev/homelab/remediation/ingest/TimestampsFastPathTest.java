package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.decision.Names;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The loops that replace a formatter and a regex on every event give what those give. */
class TimestampsFastPathTest {
  static java.time.Instant formatter(String t) {
    try {
      return OffsetDateTime.parse(t, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  @Test
  void theUtcFastPathAgreesWithTheIsoFormatterWheneverItAnswers() {
    Random random = new Random(11);
    String alphabet = "0123456789-:TZ.x ";
    int answered = 0;
    for (int n = 0; n < 300_000; n++) {
      String t;
      if (n % 3 == 0) {
        StringBuilder sb = new StringBuilder("2026-12-01T10:00:00.123456789Z");
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
          sb.setCharAt(
              random.nextInt(sb.length()), alphabet.charAt(random.nextInt(alphabet.length())));
        }
        t = sb.toString();
      } else {
        t =
            String.format(
                "%04d-%02d-%02dT%02d:%02d:%02d%sZ",
                random.nextInt(10_000),
                random.nextInt(14),
                random.nextInt(33),
                random.nextInt(26),
                random.nextInt(61),
                random.nextInt(62),
                random.nextBoolean() ? "" : "." + "123456789".substring(0, 1 + random.nextInt(9)));
      }
      java.time.Instant fast = Timestamps.utcSeconds(t);
      // The bytes version, read in place inside a larger buffer, answers the same.
      byte[] framed = ("\"" + t + "\"").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
      assertThat(Timestamps.utcSeconds(framed, 1, framed.length - 1)).as(t).isEqualTo(fast);
      if (fast != null) {
        answered++;
        assertThat(fast).as(t).isEqualTo(formatter(t));
      } else if (t.length() >= 20 && t.endsWith("Z") && formatter(t) != null) {
        // left to the formatter: fine, as long as the parse as a whole agrees
        assertThat(Timestamps.parseText(t)).as(t).contains(formatter(t));
      }
    }
    assertThat(answered).isGreaterThan(50_000);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        "1900-02-29T00:00:00Z", "2000-02-29T23:59:59.999999999Z", "2100-02-29T00:00:00Z",
        "0000-02-29T00:00:00Z", "2024-02-29T12:00:00Z", "2023-02-29T12:00:00Z",
        "1969-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.5Z",
        "2026-04-31T00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T10:00:60Z"
      })
  void theBytesPathAgreesOnLeapDaysAndEdges(String t) {
    byte[] b = t.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(Timestamps.utcSeconds(b, 0, b.length)).isEqualTo(formatter(t));
  }

  @Test
  void wholeEpochNumbersReadFromBytesAgreeWithTheJsonNumberPath() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    Random random = new Random(13);
    long[] edges = {
      0,
      1,
      Timestamps.MILLIS_THRESHOLD - 1,
      Timestamps.MILLIS_THRESHOLD,
      Timestamps.MILLIS_THRESHOLD + 1,
      253_402_300_799L,
      253_402_300_799_000L,
      253_402_300_799_999L,
      253_402_300_800_000L,
      999_999_999_999_999L,
      1_000_000_000_000_000L
    };
    int answered = 0;
    for (int n = 0; n < 100_000; n++) {
      long v =
          n < edges.length
              ? edges[n]
              : (long) Math.pow(10, random.nextInt(17)) + random.nextLong(1_000_000_000L);
      String t = Long.toString(v);
      byte[] b = t.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      java.time.Instant fast = Timestamps.epochInteger(b, 0, b.length);
      java.util.Optional<java.time.Instant> slow = Timestamps.parse(json.readTree(t));
      if (fast != null) {
        answered++;
        assertThat(slow).as(t).contains(fast);
      } else if (b.length <= 15) {
        assertThat(slow).as(t).isEmpty(); // not left to the parser for a reason it would not have
      }
    }
    assertThat(answered).isGreaterThan(50_000);
    byte[] odd = "01 1.5 -1 1e3".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(Timestamps.epochInteger(odd, 0, 2)).isNull();
    assertThat(Timestamps.epochInteger(odd, 3, 6)).isNull();
    assertThat(Timestamps.epochInteger(odd, 7, 9)).isNull();
    assertThat(Timestamps.epochInteger(odd, 10, 13)).isNull();
  }

  @Test
  void theNameLoopAgreesWithTheNamePattern() {
    Random random = new Random(12);
    String alphabet = "ab9-_.Z/ é";
    for (int n = 0; n < 200_000; n++) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(6);
      for (int i = 0; i < len; i++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String v = sb.toString();
      boolean regex = Names.NAME.matcher(v).matches() && !v.contains("..");
      assertThat(Names.normalise(v).isPresent())
          .as("'" + v + "'")
          .isEqualTo(
              Names.NAME.matcher(v.toLowerCase(java.util.Locale.ROOT)).matches()
                  && !v.contains(".."));
      if (v.equals(v.toLowerCase(java.util.Locale.ROOT))) {
        assertThat(Names.normalise(v).isPresent()).isEqualTo(regex);
      }
    }
  }

  @Test
  void theEventTypeLoopAgreesWithItsPattern() {
    java.util.regex.Pattern pattern = java.util.regex.Pattern.compile("[^\\p{Cntrl}]{1,128}");
    Random random = new Random(13);
    String[] pieces = {"a", "_", " ", "\t", "\u007f", "\u0000", "é", "\ud83d\ude00", "\u0085"};
    for (int n = 0; n < 100_000; n++) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(4) == 0 ? 120 + random.nextInt(20) : random.nextInt(5);
      for (int i = 0; i < len; i++) {
        sb.append(pieces[random.nextInt(pieces.length)]);
      }
      String t = sb.toString();
      assertThat(EventParser.eventType(t)).as(t).isEqualTo(pattern.matcher(t).matches());
    }
  }
}
