package dev.homelab.remediation.config;

/** A setting has a value the operator cannot run with. The message names the setting. */
public class ConfigException extends RuntimeException {
  private final String setting;

  public ConfigException(String setting, String problem) {
    super("invalid setting " + setting + ": " + problem);
    this.setting = setting;
  }

  public String setting() {
    return setting;
  }
}
