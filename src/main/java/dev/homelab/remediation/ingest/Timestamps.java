package dev.homelab.remediation.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;
import java.util.Optional;

/**
 * The timestamp forms of SPEC section 2: ISO-8601 with an offset or Z, ISO-8601 without one (UTC),
 * epoch seconds (integer or fraction) and epoch milliseconds (numbers above 10^11); also a space
 * for the T and an offset written +hhmm or +hh, as Python writes them.
 */
public final class Timestamps {
  static final long MILLIS_THRESHOLD = 100_000_000_000L;
  // Years 1970..9999 in seconds; anything outside is not a timestamp we believe.
  private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(253_402_300_799L);

  private static final DateTimeFormatter LENIENT =
      new DateTimeFormatterBuilder()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .optionalStart()
          .appendLiteral('T')
          .optionalEnd()
          .optionalStart()
          .appendLiteral(' ')
          .optionalEnd()
          .append(DateTimeFormatter.ISO_LOCAL_TIME)
          .optionalStart()
          .appendOffset("+HH:MM", "Z")
          .optionalEnd()
          .optionalStart()
          .appendOffset("+HHmm", "Z")
          .optionalEnd()
          .toFormatter(Locale.ROOT)
          .withChronology(IsoChronology.INSTANCE)
          .withResolverStyle(ResolverStyle.STRICT);

  private static final Instant EARLIEST = LocalDateTime.of(0, 1, 1, 0, 0).toInstant(ZoneOffset.UTC);
  private static final Instant LATEST =
      LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_999).toInstant(ZoneOffset.UTC);

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
        return fromNumber(node.decimalValue());
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
    Instant fast = utcSeconds(text);
    if (fast != null) {
      return Optional.of(fast);
    }
    // The formatters take years up to ±999,999,999; outside 0000..9999 it is not a time we
    // believe (and past ±292 million years it has no epoch milliseconds): time of receipt.
    return formatted(text).filter(t -> !t.isBefore(EARLIEST) && !t.isAfter(LATEST));
  }

  private static Optional<Instant> formatted(String text) {
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
      // Forms senders write for "ISO-8601" that the strict formatters refuse: a space for the T
      // (Python's str(datetime)), an offset without its colon or minutes (Python's %z: +0200).
      TemporalAccessor t = LENIENT.parseBest(text, OffsetDateTime::from, LocalDateTime::from);
      return Optional.of(
          t instanceof OffsetDateTime o
              ? o.toInstant()
              : ((LocalDateTime) t).toInstant(ZoneOffset.UTC));
    } catch (DateTimeParseException ignored) {
      // try the next form
    }
    try {
      BigDecimal n = new BigDecimal(text);
      return fromNumber(n);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * The most common form, {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}, read without a formatter (they
   * cost most of a parse); null for anything else, which the formatters then read. Gives what
   * ISO_OFFSET_DATE_TIME gives for the same text (TimestampsTest compares them).
   */
  static Instant utcSeconds(String t) {
    int n = t.length();
    if (n < 20
        || n > 30
        || t.charAt(n - 1) != 'Z'
        || t.charAt(4) != '-'
        || t.charAt(7) != '-'
        || t.charAt(10) != 'T'
        || t.charAt(13) != ':'
        || t.charAt(16) != ':') {
      return null;
    }
    int nanos = 0;
    if (n > 20) {
      int digits = n - 21;
      if (t.charAt(19) != '.' || digits < 1 || digits > 9) {
        return null;
      }
      int f = digits(t, 20, n - 1);
      if (f < 0) {
        return null;
      }
      for (int k = digits; k < 9; k++) {
        f *= 10;
      }
      nanos = f;
    }
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 7);
    int day = digits(t, 8, 10);
    int hour = digits(t, 11, 13);
    int minute = digits(t, 14, 16);
    int second = digits(t, 17, 19);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
      return null;
    }
    try {
      return LocalDateTime.of(year, month, day, hour, minute, second, nanos)
          .toInstant(ZoneOffset.UTC);
    } catch (java.time.DateTimeException e) {
      return null; // out of range: the formatter says so
    }
  }

  /**
   * {@link #utcSeconds(String)} on the ASCII bytes {@code [from, to)} of {@code t}, with no String
   * or date objects made: the same instant, or null (TimestampsFastPathTest compares them).
   */
  static Instant utcSeconds(byte[] t, int from, int to) {
    int n = to - from;
    if (n < 20
        || n > 30
        || t[to - 1] != 'Z'
        || t[from + 4] != '-'
        || t[from + 7] != '-'
        || t[from + 10] != 'T'
        || t[from + 13] != ':'
        || t[from + 16] != ':') {
      return null;
    }
    int nanos = 0;
    if (n > 20) {
      int digits = n - 21;
      if (t[from + 19] != '.' || digits < 1 || digits > 9) {
        return null;
      }
      nanos = digits(t, from + 20, to - 1);
      for (int k = digits; k < 9 && nanos >= 0; k++) {
        nanos *= 10;
      }
    }
    int year = digits(t, from, from + 4);
    int month = digits(t, from + 5, from + 7);
    int day = digits(t, from + 8, from + 10);
    int hour = digits(t, from + 11, from + 13);
    int minute = digits(t, from + 14, from + 16);
    int second = digits(t, from + 17, from + 19);
    if (nanos < 0 || year < 0 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59) {
      return null;
    }
    if (second < 0 || second > 59 || hour < 0 || minute < 0 || day > daysIn(year, month)) {
      return null;
    }
    return Instant.ofEpochSecond(
        epochDay(year, month, day) * 86_400L + hour * 3_600L + minute * 60L + second, nanos);
  }

  /**
   * A whole number of epoch seconds, or of milliseconds above 10^11, in the ASCII digits {@code
   * [from, to)} of {@code t}, as {@link #parse} reads a JSON integer: the same instant, or null
   * (anything but digits, a leading zero, more than 15 digits, past 9999-12-31T23:59:59Z).
   */
  static Instant epochInteger(byte[] t, int from, int to) {
    int n = to - from;
    if (n < 1 || n > 15 || (t[from] == '0' && n > 1)) {
      return null;
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      byte c = t[i];
      if (c < '0' || c > '9') {
        return null;
      }
      v = v * 10 + (c - '0');
    }
    if (v <= MILLIS_THRESHOLD) {
      return Instant.ofEpochSecond(v);
    }
    long max = MAX_SECONDS.longValueExact() * 1000;
    return v > max ? null : Instant.ofEpochSecond(v / 1000, (v % 1000) * 1_000_000);
  }

  private static int daysIn(int year, int month) {
    if (month == 2) {
      boolean leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
      return leap ? 29 : 28;
    }
    return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
  }

  /** Days from 1970-01-01 in the proleptic Gregorian calendar, for years 0 to 9999. */
  private static long epochDay(int year, int month, int day) {
    int y = month <= 2 ? year - 1 : year;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yearOfEra = y - era * 400;
    int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146_097L + dayOfEra - 719_468L;
  }

  private static int digits(byte[] t, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      byte c = t[i];
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static int digits(String t, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static Optional<Instant> fromNumber(BigDecimal n) {
    if (n.signum() < 0) {
      return Optional.empty();
    }
    BigDecimal seconds = n;
    // Above 10^11 it is milliseconds, with a fraction too (1779902000123.0): as seconds it would
    // be after the year 5138.
    if (n.compareTo(BigDecimal.valueOf(MILLIS_THRESHOLD)) > 0) {
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
