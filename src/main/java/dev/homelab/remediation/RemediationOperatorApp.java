package dev.homelab.remediation;

import dev.homelab.remediation.cli.ApproveCommand;
import dev.homelab.remediation.cli.CdsTrainCommand;
import dev.homelab.remediation.cli.ConfigDocsCommand;
import dev.homelab.remediation.cli.ExplainCommand;
import dev.homelab.remediation.cli.ExportCommand;
import dev.homelab.remediation.cli.KubeconfigOptions;
import dev.homelab.remediation.cli.ListCommand;
import dev.homelab.remediation.cli.LocalCommand;
import dev.homelab.remediation.cli.PublishCommand;
import dev.homelab.remediation.cli.RejectCommand;
import dev.homelab.remediation.cli.RunCommand;
import dev.homelab.remediation.cli.SettingFlags;
import dev.homelab.remediation.cli.SilenceCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line, and the one place where the operator's objects are wired together. */
@Command(
    name = "remediation-operator",
    mixinStandardHelpOptions = true,
    version = "remediation-operator 0.1.0",
    description = "Turns homelab health events from Redis into RemediationProposal resources.",
    subcommands = {
      RunCommand.class,
      ConfigDocsCommand.class,
      ExportCommand.class,
      LocalCommand.class,
      PublishCommand.class,
      ApproveCommand.class,
      RejectCommand.class,
      ListCommand.class,
      ExplainCommand.class,
      SilenceCommand.class,
      CdsTrainCommand.class
    })
public final class RemediationOperatorApp {
  private static final Logger LOG = LoggerFactory.getLogger(RemediationOperatorApp.class);

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with one flag per setting added to the commands that run the operator. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new RemediationOperatorApp());
    SettingFlags.addSettingFlags(cl.getSubcommands().get("run").getCommandSpec());
    // picocli lets words it does not know pass when --help is given too: `decison --help` would
    // print the top-level help and exit 0. A word that is no command is an error, help or not.
    CommandLine.IExecutionStrategy run = cl.getExecutionStrategy();
    cl.setExecutionStrategy(
        parsed -> {
          for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (!p.unmatched().isEmpty()) {
              throw new CommandLine.UnmatchedArgumentException(
                  p.commandSpec().commandLine(), p.unmatched());
            }
          }
          return run.execute(parsed);
        });
    // A kubeconfig that cannot be used (silence's subcommands; ClusterCommand says it itself).
    cl.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          if (e instanceof KubeconfigOptions.Unusable) {
            line.getErr().println(line.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            return 2;
          }
          throw e;
        });
    return cl;
  }
}
