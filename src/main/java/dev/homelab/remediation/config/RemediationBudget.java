package dev.homelab.remediation.config;

import java.time.Duration;
import java.util.Locale;

/**
 * REMEDIATION_BUDGET: at most {@code count} dispatches approved by policy per svcKey per {@code
 * window}; written {@code count/window}, e.g. {@code 3/24h}.
 */
public record RemediationBudget(int count, Duration window) {

  /** Parses {@code count/window}: a count of 0 to 1000 and a duration of 1s to 100 years. */
  public static RemediationBudget parse(String text) {
    String v = text.trim().toLowerCase(Locale.ROOT);
    int slash = v.indexOf('/');
    if (slash <= 0 || slash == v.length() - 1) {
      throw new IllegalArgumentException("expected count/window such as 3/24h, got '" + text + "'");
    }
    int count;
    try {
      count = Integer.parseInt(v.substring(0, slash).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the count of '" + text + "' is not a whole number");
    }
    if (count < 0 || count > 1000) {
      throw new IllegalArgumentException("the count must be between 0 and 1000, got " + count);
    }
    Duration window = Durations.parse(v.substring(slash + 1));
    if (window.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("the window must be at least 1s, got '" + text + "'");
    }
    return new RemediationBudget(count, window);
  }
}
