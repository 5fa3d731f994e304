package dev.homelab.remediation.config;

import java.util.Locale;

/**
 * One setting of the operator: its environment variable, the flag that overrides it, its default as
 * users see it, and what it does.
 */
public record Setting(String env, String defaultValue, String description) {

  /** The command-line flag for this setting: COOLDOWN_SECONDS becomes --cooldown-seconds. */
  public String flag() {
    return "--" + env.toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
