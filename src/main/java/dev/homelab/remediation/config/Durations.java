package dev.homelab.remediation.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the durations users write: 90s, 30m, 24h, 7d, a number of seconds, or ISO-8601. A duration
 * is at most {@link #MAX} long: a setting that large means "practically never", and anything longer
 * would overflow when added to an instant or turned into milliseconds.
 */
public final class Durations {
  /** The longest duration accepted: 100 years. */
  public static final Duration MAX = Duration.ofDays(36_500);

  private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

  private Durations() {}

  /**
   * @throws IllegalArgumentException when {@code text} is not a duration or is longer than {@link
   *     #MAX}; the message says which, quoting the text
   */
  public static Duration parse(String text) {
    String v = text.trim().toLowerCase(Locale.ROOT);
    Matcher m = SIMPLE.matcher(v);
    Duration d;
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        d =
            switch (unit) {
              case "ms" -> Duration.ofMillis(n);
              case "s" -> Duration.ofSeconds(n);
              case "m" -> Duration.ofMinutes(n);
              case "h" -> Duration.ofHours(n);
              default -> Duration.ofDays(n);
            };
      } catch (NumberFormatException | ArithmeticException e) {
        // Only digits reach here, so either way the number is too large.
        throw tooLong(text);
      }
    } else {
      try {
        d = Duration.parse(text.trim().toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        if (e.getCause() instanceof ArithmeticException
            || e.getCause() instanceof NumberFormatException) {
          throw tooLong(text);
        }
        throw new IllegalArgumentException(
            "not a duration: '" + text + "' (use e.g. 90s, 30m, 24h, 7d or PT24H)");
      }
    }
    if (d.compareTo(MAX) > 0) {
      throw tooLong(text);
    }
    return d;
  }

  /** As users write it: 90s, 30m, 24h, 7d (a day shows as 24h), 1500ms. */
  public static String format(Duration d) {
    return Values.format(d);
  }

  private static IllegalArgumentException tooLong(String text) {
    return new IllegalArgumentException(
        "must be at most " + MAX.toDays() + "d (100 years), got '" + text + "'");
  }
}
