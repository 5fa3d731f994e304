package dev.homelab.remediation.ops;

import dev.homelab.remediation.dispatch.AtomicFiles;
import dev.homelab.remediation.util.DaemonThreads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites a heartbeat file (the current time) every period while the operator is healthy, for the
 * homelab's file-based checks (the Python agent's healthcheck.sh looked at the file's age).
 */
public final class Heartbeat implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);

  private final Path file;
  private final Supplier<Check> liveness;
  private final Clock clock;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("heartbeat"));

  public Heartbeat(Path file, Supplier<Check> liveness, Clock clock) {
    this.file = file;
    this.liveness = liveness;
    this.clock = clock;
  }

  /**
   * What keeps {@code file} from being written every period, for the setting {@code setting}, or
   * empty: its directory must exist and take a file (the write is a temporary file renamed over
   * it). Found at start, that is one clear line; found at the first beat it would be a warning a
   * minute while the homelab's check takes the operator for dead.
   */
  public static Optional<String> problem(String setting, Path file) {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      return Optional.of(setting + " " + file + ": the directory " + dir + " does not exist");
    }
    if (Files.isDirectory(file)) {
      return Optional.of(setting + " " + file + " is a directory");
    }
    try {
      Files.delete(Files.createTempFile(dir, ".heartbeat-check-", ".tmp"));
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of(
          setting
              + " "
              + file
              + " cannot be written: "
              + e.getClass().getSimpleName()
              + " "
              + e.getMessage());
    }
  }

  public void start(Duration period) {
    timer.scheduleAtFixedRate(this::beat, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Writes the file when healthy; returns whether it did. */
  public boolean beat() {
    Check c = liveness.get();
    if (!c.ok()) {
      LOG.atWarn().addKeyValue("reason", c.detail()).log("unhealthy: heartbeat not written");
      return false;
    }
    try {
      AtomicFiles.write(file, (clock.instant() + "\n").getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (IOException | RuntimeException e) {
      LOG.atWarn().addKeyValue("file", file).log("cannot write heartbeat: {}", e.getMessage());
      return false;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
