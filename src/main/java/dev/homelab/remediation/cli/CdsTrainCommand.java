package dev.homelab.remediation.cli;

import dev.homelab.remediation.local.CdsTraining;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code remediation-operator cds-train}: the Dockerfile's training run for the class-data archive
 * (see {@link CdsTraining}). Hidden: it is a build step, not something to run by hand.
 */
@Command(
    name = "cds-train",
    hidden = true,
    mixinStandardHelpOptions = true,
    description =
        "Start the operator against an embedded API server, a stub Redis and a training model"
            + " until it is ready, take two incidents to Dispatched, then stop: the training run"
            + " of -XX:ArchiveClassesAtExit (Dockerfile).")
public final class CdsTrainCommand implements Callable<Integer> {
  @Option(
      names = "--timeout-seconds",
      paramLabel = "SECONDS",
      description = "Fail when the operator is not ready within this time (default 120).")
  int timeoutSeconds = 120;

  @Override
  public Integer call() throws IOException, InterruptedException {
    try {
      CdsTraining.Trained t = CdsTraining.run(Duration.ofSeconds(timeoutSeconds));
      System.out.println(
          "cds-train: ready as leader after "
              + t.ready().toMillis()
              + " ms; two incidents answered and dispatched in "
              + t.incidents().toMillis()
              + " ms; stopped");
      return 0;
    } catch (IllegalStateException e) {
      System.err.println("cds-train: " + e.getMessage());
      return 1;
    }
  }
}
