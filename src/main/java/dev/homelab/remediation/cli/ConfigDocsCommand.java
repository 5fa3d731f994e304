package dev.homelab.remediation.cli;

import dev.homelab.remediation.config.OperatorConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(
    name = "config-docs",
    mixinStandardHelpOptions = true,
    description = "Print the configuration table (Markdown) generated from the settings.")
public final class ConfigDocsCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.out.print(OperatorConfig.markdownTable());
    return 0;
  }
}
