package dev.homelab.remediation.support;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator's {@code run} command as a separate JVM (this test run's classpath, the Dockerfile's
 * JVM flags), against a mock API server through a kubeconfig file. Killed by {@link #kill}
 * (SIGKILL) or {@link #close} (SIGTERM, then SIGKILL).
 */
public final class OperatorProcess implements AutoCloseable {
  /**
   * The Dockerfile's flags (all but its class-data archive, which a test classpath of directories
   * cannot use), with the heap sizes a container with the chart's 384 MiB limit would derive (-Xmx:
   * MaxRAMPercentage=60; -Xms: InitialRAMPercentage=12.5 and MinHeapSize=48m, which -Xms sets
   * both). Override with -Doperator.jvmFlags="..." to compare settings.
   */
  public static final List<String> JVM_FLAGS =
      List.of(
          System.getProperty(
                  "operator.jvmFlags",
                  "-Xmx230m -Xms48m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k"
                      + " -XX:MetaspaceSize=64m -XX:MaxMetaspaceSize=128m"
                      + " -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=32m"
                      + " -XX:MinHeapFreeRatio=20 -XX:MaxHeapFreeRatio=40"
                      + " -XX:+ExitOnOutOfMemoryError")
              .trim()
              .split("\\s+"));

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final Process process;
  private final int httpPort;

  private OperatorProcess(Process process, int httpPort) {
    this.process = process;
    this.httpPort = httpPort;
  }

  /**
   * Writes a kubeconfig for the client's server into {@code dir}; for a real API server ({@link
   * BenchKube}), its own kubeconfig (the operator's namespace is WATCH_NAMESPACE's).
   */
  public static Path kubeconfig(KubernetesClient client, Path dir, String namespace)
      throws IOException {
    if (BenchKube.real()) {
      return Path.of(System.getProperty(BenchKube.PROPERTY));
    }
    Path file = dir.resolve("kubeconfig");
    Files.writeString(
        file,
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "current-context: test",
            "clusters:",
            "- name: test",
            "  cluster:",
            "    server: " + client.getConfiguration().getMasterUrl(),
            "    insecure-skip-tls-verify: true",
            "contexts:",
            "- name: test",
            "  context:",
            "    cluster: test",
            "    user: test",
            "    namespace: " + namespace,
            "users:",
            "- name: test",
            "  user:",
            "    token: test",
            ""));
    return file;
  }

  /**
   * The command that runs the operator's CLI with {@code args} from the test classpath, or from the
   * jar named by {@code -Doperator.jar=FILE} (which a class-data archive, {@code
   * -XX:SharedArchiveFile} in {@code -Doperator.jvmFlags}, can serve as in the image).
   */
  public static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String jar = System.getProperty("operator.jar", "");
    if (!jar.isBlank()) {
      cmd.addAll(List.of("-jar", Path.of(jar).toAbsolutePath().toString()));
      cmd.addAll(List.of(args));
      return cmd;
    }
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "dev.homelab.remediation.RemediationOperatorApp"));
    cmd.addAll(List.of(args));
    return cmd;
  }

  public static OperatorProcess start(Path kubeconfig, Map<String, String> env, Path log)
      throws IOException {
    int port = TestRedis.freePort();
    List<String> cmd = new ArrayList<>(command("run"));
    cmd.addAll(1, JVM_FLAGS); // after java itself
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    pb.environment().put("HTTP_PORT", Integer.toString(port));
    pb.environment().putAll(env);
    return new OperatorProcess(pb.start(), port);
  }

  public long pid() {
    return process.pid();
  }

  public int httpPort() {
    return httpPort;
  }

  public boolean alive() {
    return process.isAlive();
  }

  public int status(String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  /** True when /readyz answers 200 as the leader (a standby is ready too, but does not work). */
  public boolean readyAsLeader() {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().startsWith("ok: leader");
    } catch (Exception e) {
      return false;
    }
  }

  /** A sample of /metrics, or -1 when absent. */
  public double metric(String name) {
    try {
      String body =
          HTTP.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " ([0-9.E+]+)$").matcher(body);
      return m.find() ? Double.parseDouble(m.group(1)) : -1;
    } catch (Exception e) {
      return -1;
    }
  }

  /** remediation_events_shed_total by reason (0 for a reason not exported yet). */
  public java.util.Map<String, Double> shedByReason() {
    java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
    for (dev.homelab.remediation.ingest.ShedReason r :
        dev.homelab.remediation.ingest.ShedReason.values()) {
      m.put(
          r.tag(),
          Math.max(0, metric("remediation_events_shed_total{reason=\"" + r.tag() + "\"}")));
    }
    return m;
  }

  /** Every message the intake shed so far, whatever the reason. */
  public double shed() {
    return shedByReason().values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** Resident set size in KiB (Linux). */
  /** CPU time the process has used so far, all its threads (clock-tick resolution). */
  public Duration cpuTime() {
    return process.info().totalCpuDuration().orElseThrow();
  }

  public long rssKiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
      Matcher m = Pattern.compile("VmRSS:\\s+(\\d+) kB").matcher(line);
      if (m.find()) {
        return Long.parseLong(m.group(1));
      }
    }
    return -1;
  }

  /** SIGTERM, without waiting: the shutdown hook runs. */
  public void sigterm() {
    process.destroy();
  }

  /** The exit code once the process has ended within the timeout, else empty. */
  public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
        ? OptionalInt.of(process.exitValue())
        : OptionalInt.empty();
  }

  /** SIGKILL: no shutdown hook runs. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(15, TimeUnit.SECONDS);
  }

  /** SIGTERM, then SIGKILL after the timeout; returns whether it exited by itself. */
  public boolean terminate(long seconds) throws InterruptedException {
    process.destroy();
    if (process.waitFor(seconds, TimeUnit.SECONDS)) {
      return true;
    }
    kill();
    return false;
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        terminate(15);
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
