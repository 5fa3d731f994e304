package dev.homelab.remediation.local;

import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.config.Settings;
import dev.homelab.remediation.decision.HumanDurations;
import dev.homelab.remediation.runtime.Running;
import dev.homelab.remediation.runtime.Wiring;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The training run of the image's class-data archive ({@code java -XX:ArchiveClassesAtExit=... -jar
 * ... cds-train}): the operator started as {@code run} starts it (leader election on, the chart's
 * default Ollama chain, the operations endpoints), against local mode's embedded API server and a
 * stub Redis, until it is ready as leader; then {@code /readyz} and {@code /metrics} are read once,
 * as the probes and Prometheus do, and everything stops. The classes loaded on that path are what
 * the JVM archives at exit.
 */
public final class CdsTraining {
  private static final String NAMESPACE = "default";

  private CdsTraining() {}

  /**
   * @return how long the operator took from {@link Running#start} to ready
   * @throws IllegalStateException when it is not ready within {@code timeout}
   */
  public static Duration run(Duration timeout) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("cds-train-");
    try (StubRedis redis = StubRedis.start();
        LocalCluster cluster = LocalCluster.start(freePort(), NAMESPACE);
        KubernetesClient client = cluster.newClient(NAMESPACE)) {
      int httpPort = freePort();
      Map<String, String> values = new HashMap<>();
      values.put(Settings.WATCH_NAMESPACE.env(), NAMESPACE);
      values.put(Settings.NODE_NAME.env(), "cds-train");
      values.put(Settings.REDIS_URL.env(), redis.url());
      values.put(Settings.LEADER_ELECTION.env(), "true");
      values.put(Settings.HTTP_PORT.env(), Integer.toString(httpPort));
      // The chart's default chain; no model is asked during the run.
      values.put(Settings.LLM_CHAIN.env(), "ollama:llama3.1:8b@http://127.0.0.1:" + freePort());
      values.put(
          Settings.PENDING_ACTIONS_DIR.env(),
          Files.createDirectories(dir.resolve("pending-actions")).toString());
      values.put(
          Settings.EVENTS_DIR.env(), Files.createDirectories(dir.resolve("events")).toString());
      OperatorConfig cfg = OperatorConfig.withDefaults(values);
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      long t0 = System.nanoTime();
      // The embedded API server answers 415 to server-side apply, as local mode knows.
      try (Running running =
          Running.start(
              new Wiring(cfg, client, registry, Clock.systemUTC(), false),
              "127.0.0.1",
              "127.0.0.1")) {
        long deadline = t0 + timeout.toNanos();
        while (!running.ready()) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "not ready as leader within "
                    + HumanDurations.format(timeout)
                    + ": "
                    + running.readiness());
          }
          Thread.sleep(10);
        }
        Duration ready = Duration.ofNanos(System.nanoTime() - t0);
        HttpClient http = HttpClient.newHttpClient();
        for (String path : new String[] {"/readyz", "/healthz", "/metrics"}) {
          HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).build(),
                  HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() != 200) {
            throw new IllegalStateException(path + " answered " + r.statusCode());
          }
        }
        return ready;
      }
    } finally {
      deleteTree(dir);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }
}
