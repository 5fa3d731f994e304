package dev.homelab.remediation.local;

import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.config.Setting;
import dev.homelab.remediation.support.OperatorProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator started as a separate process, as a user starts it: {@code java -jar <jar>} when the
 * system property {@code remediation.e2e.jar} names the packaged jar, else {@code java -cp <this
 * test's classpath> RemediationOperatorApp}. Output goes to files in its working directory; {@link
 * #stop} stops it and every process it started.
 */
final class LocalProcess implements AutoCloseable {
  static final String JAR_PROPERTY = "remediation.e2e.jar";

  private final Process process;
  private final Path out;
  private final Path err;
  private final List<ProcessHandle> children = new ArrayList<>();

  private LocalProcess(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /** The command line that runs the operator with these arguments. */
  static List<String> command(String... args) {
    String jar = System.getProperty(JAR_PROPERTY);
    if (jar == null || jar.isBlank()) {
      return OperatorProcess.command(args);
    }
    Path p = Path.of(jar).toAbsolutePath();
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException(
          JAR_PROPERTY + "=" + jar + " does not exist: run ./mvnw package first");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-jar", p.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** How the operator is launched, for test output. */
  static String launchMode() {
    String jar = System.getProperty(JAR_PROPERTY);
    return jar != null && !jar.isBlank()
        ? "packaged jar " + jar
        : "test classpath (set -D" + JAR_PROPERTY + " for the jar)";
  }

  /**
   * Starts the operator in {@code dir} with a clean environment: none of the operator's settings or
   * local mode's variables are inherited, only {@code env}.
   */
  static LocalProcess start(Path dir, Map<String, String> env, String... args) {
    ProcessBuilder pb = new ProcessBuilder(command(args)).directory(dir.toFile());
    scrub(pb.environment());
    pb.environment().putAll(env);
    String name = args.length == 0 ? "app" : args[0];
    // Not over the files of another process started there (a second local beside the first).
    for (int n = 2; Files.exists(dir.resolve(name + ".out")); n++) {
      name = (args.length == 0 ? "app" : args[0]) + "-" + n;
    }
    Path out = dir.resolve(name + ".out");
    Path err = dir.resolve(name + ".err");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    try {
      return new LocalProcess(pb.start(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void scrub(Map<String, String> env) {
    for (Setting<?> s : OperatorConfig.SETTINGS) {
      env.remove(s.env());
    }
    env.remove(LocalSettings.API_PORT_ENV);
    env.remove(LocalSettings.REDIS_PORT_ENV);
    env.remove(LocalSettings.DATA_DIR_ENV);
    env.remove("KUBECONFIG");
  }

  /** Runs a short command to its end, within the timeout, and returns exit code and output. */
  static Result run(Path dir, Map<String, String> env, Duration timeout, String... args) {
    try (LocalProcess p = start(dir, env, args)) {
      if (!p.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(
            "`" + String.join(" ", args) + "` did not end within " + timeout + "\n" + p.logs());
      }
      return new Result(p.process.exitValue(), p.stdout(), p.stderr());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Exit code and output of a finished command. */
  record Result(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  String stdout() {
    return read(out);
  }

  String stderr() {
    return read(err);
  }

  /** The last lines of both outputs, for failure messages. */
  String logs() {
    return "--- stdout (tail)\n" + tail(stdout()) + "\n--- stderr (tail)\n" + tail(stderr());
  }

  private static String tail(String s) {
    String[] lines = s.split("\n");
    return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 40), lines.length));
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The processes it has started (redis-server), as seen now. */
  List<ProcessHandle> descendants() {
    List<ProcessHandle> now = process.descendants().toList();
    for (ProcessHandle h : now) {
      if (!children.contains(h)) {
        children.add(h);
      }
    }
    return now;
  }

  /**
   * SIGTERM (what Ctrl-C amounts to: the shutdown hook runs), waits for the end within the timeout,
   * and returns the exit code; kills whatever is left, itself and its children.
   */
  int stop(Duration timeout) throws InterruptedException {
    descendants();
    process.destroy();
    boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!ended) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    for (ProcessHandle h : children) {
      if (h.isAlive()) {
        h.destroyForcibly();
      }
    }
    return ended ? process.exitValue() : -1;
  }

  @Override
  public void close() {
    try {
      stop(Duration.ofSeconds(20));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
