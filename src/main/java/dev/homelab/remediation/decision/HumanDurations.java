package dev.homelab.remediation.decision;

import java.time.Duration;

/**
 * Durations in the messages and Events people read, written as kubectl writes them: {@code 10m},
 * {@code 30s}, {@code 1h30m}, {@code 24h} (hours, minutes, seconds, zero parts left out; {@code
 * 500ms} and {@code 1.5s} below a whole second), not Java's ISO form ({@code PT10M}).
 */
public final class HumanDurations {
  private HumanDurations() {}

  public static String format(Duration d) {
    if (d.isNegative()) {
      return "-" + format(d.negated());
    }
    if (d.isZero()) {
      return "0s";
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      return d.toMillis() + "ms";
    }
    StringBuilder out = new StringBuilder();
    long hours = d.toHours();
    int minutes = d.toMinutesPart();
    int seconds = d.toSecondsPart();
    int millis = d.toMillisPart();
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (minutes > 0) {
      out.append(minutes).append('m');
    }
    if (seconds > 0 || millis > 0) {
      out.append(seconds);
      if (millis > 0) {
        out.append('.').append(String.format("%03d", millis).replaceAll("0+$", ""));
      }
      out.append('s');
    }
    return out.toString();
  }
}
