package dev.homelab.remediation.cli;

import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.config.Setting;
import dev.homelab.remediation.config.Settings;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The flags that override settings, shared by the commands that run the operator. */
public final class SettingFlags {
  private SettingFlags() {}

  public static void addSettingFlags(CommandSpec spec) {
    for (Setting<?> s : OperatorConfig.SETTINGS) {
      spec.addOption(
          OptionSpec.builder(s.flag())
              .paramLabel("VALUE")
              .type(String.class)
              .description(s.description() + " (env " + s.env() + ")")
              .build());
    }
  }

  /**
   * Selects the log appender and the root level of logback.xml from the validated LOG_FORMAT and
   * LOG_LEVEL (so a flag, or another case in the environment, works too), re-reading the logging
   * configuration.
   */
  public static void applyLogging(String format, String level) {
    System.setProperty("LOG_FORMAT", format);
    System.setProperty("LOG_LEVEL", level.toUpperCase(java.util.Locale.ROOT));
    reloadLogging();
  }

  /**
   * Sends log lines to stderr, for commands whose stdout is their result (list, explain): a
   * client's warning must not land in the middle of a table a script reads.
   */
  static void logToStderr() {
    System.setProperty("LOG_TARGET", "System.err");
    reloadLogging();
  }

  private static void reloadLogging() {
    if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
      try {
        ctx.reset();
        ch.qos.logback.classic.joran.JoranConfigurator configurator =
            new ch.qos.logback.classic.joran.JoranConfigurator();
        configurator.setContext(ctx);
        configurator.doConfigure(SettingFlags.class.getResource("/logback.xml"));
      } catch (ch.qos.logback.core.joran.spi.JoranException e) {
        System.err.println("remediation-operator: cannot configure logging: " + e.getMessage());
      }
    }
  }

  /** The settings given as flags, keyed by their environment variable names. */
  public static Map<String, String> flagOverrides(CommandSpec spec) {
    Map<String, String> out = new HashMap<>();
    for (Setting<?> s : OperatorConfig.SETTINGS) {
      OptionSpec o = spec.findOption(s.flag());
      if (o != null && o.getValue() != null) {
        out.put(s.env(), o.getValue());
      }
    }
    return out;
  }

  public static OperatorConfig loadConfig(CommandSpec spec) {
    return OperatorConfig.load(System.getenv(), flagOverrides(spec));
  }

  /**
   * The namespace a command acts in: the {@code -n} flag, else WATCH_NAMESPACE when it is set
   * (validated as the operator validates it), else the kubeconfig's, else {@code default}.
   */
  public static String namespace(
      String flag, Map<String, String> env, io.fabric8.kubernetes.client.KubernetesClient client) {
    if (flag != null && !flag.isBlank()) {
      return Settings.WATCH_NAMESPACE.read(Map.of(Settings.WATCH_NAMESPACE.env(), flag));
    }
    String fromEnv = env.get(Settings.WATCH_NAMESPACE.env());
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Settings.WATCH_NAMESPACE.read(env);
    }
    return client.getNamespace() == null ? "default" : client.getNamespace();
  }
}
