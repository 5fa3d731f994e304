package dev.homelab.remediation.local;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.config.Settings;
import dev.homelab.remediation.decision.Approvals;
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
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The training run of the image's class-data archive ({@code java -XX:ArchiveClassesAtExit=... -jar
 * ... cds-train}): the operator started as {@code run} starts it (leader election on, the chart's
 * default Ollama chain, the operations endpoints), against local mode's embedded API server, a stub
 * Redis and a training model, until it is ready as leader; then two incidents are taken to {@code
 * Dispatched} (one approved by policy, one by annotation), {@code /readyz} and {@code /metrics} are
 * read once, as the probes and Prometheus do, and everything stops. The classes loaded on that path
 * are what the JVM archives at exit, so the first events after a pod starts do not load, parse and
 * verify them.
 */
public final class CdsTraining {
  private static final String NAMESPACE = "default";

  private CdsTraining() {}

  /** How long the operator took from {@link Running#start} to ready, and the two incidents. */
  public record Trained(Duration ready, Duration incidents) {}

  /**
   * @return how long it took
   * @throws IllegalStateException when it is not ready within {@code timeout}
   */
  public static Trained run(Duration timeout) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("cds-train-");
    try (StubRedis redis = StubRedis.start();
        TrainingModel model = TrainingModel.start();
        LocalCluster cluster = LocalCluster.start(freePort(), NAMESPACE);
        KubernetesClient client = cluster.newClient(NAMESPACE)) {
      int httpPort = freePort();
      Map<String, String> values = new HashMap<>();
      values.put(Settings.WATCH_NAMESPACE.env(), NAMESPACE);
      values.put(Settings.NODE_NAME.env(), "cds-train");
      values.put(Settings.REDIS_URL.env(), redis.url());
      values.put(Settings.LEADER_ELECTION.env(), "true");
      values.put(Settings.HTTP_PORT.env(), Integer.toString(httpPort));
      // The chart's default chain, its Ollama answered by the training model.
      values.put(Settings.LLM_CHAIN.env(), "ollama:llama3.1:8b@" + model.url());
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
        long t1 = System.nanoTime();
        answerAndDispatch(client, redis, cfg.healthChannel, model, deadline);
        Duration incidents = Duration.ofNanos(System.nanoTime() - t1);
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
        return new Trained(ready, incidents);
      }
    } finally {
      deleteTree(dir);
    }
  }

  /**
   * Two incidents through the operator's whole path, as in the pod: one the policy approves at
   * once, one on an always-human node (the chart's default {@code chelsty}) approved by annotation,
   * both to {@code Dispatched} (their files written in the run's own directory).
   */
  private static void answerAndDispatch(
      KubernetesClient client, StubRedis redis, String channel, TrainingModel model, long deadline)
      throws InterruptedException {
    String now = Instant.now().toString();
    publish(redis, channel, "cds-train", "auto", now, deadline);
    until(client, "auto", Phase.Dispatched, deadline);
    publish(redis, channel, "chelsty", "human", now, deadline);
    RemediationProposal waiting = until(client, "human", Phase.AwaitingApproval, deadline);
    client
        .resources(RemediationProposal.class)
        .inNamespace(NAMESPACE)
        .withName(waiting.getMetadata().getName())
        .edit(
            p -> {
              Map<String, String> annotations = new HashMap<>();
              if (p.getMetadata().getAnnotations() != null) {
                annotations.putAll(p.getMetadata().getAnnotations());
              }
              annotations.put(Approvals.APPROVAL, "approved");
              annotations.put(Approvals.APPROVED_BY, "cds-train");
              p.getMetadata().setAnnotations(annotations);
              return p;
            });
    until(client, "human", Phase.Dispatched, deadline);
    if (model.asked() != 2) {
      throw new IllegalStateException("the model was asked " + model.asked() + " times, not 2");
    }
  }

  private static void publish(
      StubRedis redis, String channel, String node, String service, String at, long deadline)
      throws InterruptedException {
    String event =
        "{\"event_type\":\"service_unhealthy\",\"node\":\""
            + node
            + "\",\"service\":\""
            + service
            + "\",\"severity\":\"warning\",\"message\":\"cds-train\",\"timestamp\":\""
            + at
            + "\"}";
    // The subscription is confirmed before the operator is ready; a retry covers a reconnect.
    while (redis.publish(channel, event) == 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("nobody subscribed to " + channel);
      }
      Thread.sleep(10);
    }
  }

  private static RemediationProposal until(
      KubernetesClient client, String service, Phase phase, long deadline)
      throws InterruptedException {
    RemediationProposal last = null;
    while (System.nanoTime() < deadline) {
      for (RemediationProposal p :
          client.resources(RemediationProposal.class).inNamespace(NAMESPACE).list().getItems()) {
        if (service.equals(p.getSpec().getService())) {
          last = p;
          if (p.getStatus() != null && p.getStatus().getPhase() == phase) {
            return p;
          }
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(
        "the incident of service "
            + service
            + " did not reach "
            + phase
            + (last == null || last.getStatus() == null
                ? " (no proposal with a status)"
                : " (phase " + last.getStatus().getPhase() + ")"));
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
