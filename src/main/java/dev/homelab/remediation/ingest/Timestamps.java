package dev.homelab.remediation.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The timestamp forms of SPEC section 2: ISO-8601 with an offset or Z, ISO-8601 without one (UTC),
 * epoch seconds (integer or fraction) and epoch milliseconds (integers above 10^11).
 */
public final class Timestamps {
  static final long MILLIS_THRESHOLD = 100_000_000_000L;
  // Years 1970..9999 in seconds; anything outside is not a timestamp we believe.
  private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(253_402_300_799L);

  private Timestamps() {}

  public static Optional<Instant> parse(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return Optional.empty();
    }
    if (node.isNumber()) {
      if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
        return Optional.empty(); // e.g. 1e3093: not a time
      }
      try {
        return fromNumber(node.decimalValue(), node.isIntegralNumber());
      } catch (ArithmeticException | NumberFormatException e) {
        return Optional.empty();
      }
    }
    if (node.isTextual()) {
      return parseText(node.asText().trim());
    }
    return Optional.empty();
  }

  static Optional<Instant> parseText(String text) {
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
    } catch (DateTimeParseException ignored) {
      // try the next form
    }
    try {
      return Optional.of(
          LocalDateTime.parse(text, DateTimeFormatter.ISO_LOCAL_DATE_TIME)
              .toInstant(ZoneOffset.UTC));
    } catch (DateTimeParseException ignored) {
      // try the next form
    }
    try {
      BigDecimal n = new BigDecimal(text);
      return fromNumber(n, text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static Optional<Instant> fromNumber(BigDecimal n, boolean integral) {
    if (n.signum() < 0) {
      return Optional.empty();
    }
    BigDecimal seconds = n;
    if (integral && n.compareTo(BigDecimal.valueOf(MILLIS_THRESHOLD)) > 0) {
      seconds = n.movePointLeft(3);
    }
    if (seconds.compareTo(MAX_SECONDS) > 0) {
      return Optional.empty();
    }
    long whole = seconds.longValue();
    long nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue();
    return Optional.of(Instant.ofEpochSecond(whole, nanos));
  }
}
