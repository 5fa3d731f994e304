package dev.homelab.remediation.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local mode as a single-machine operator, run as a user runs it (the packaged jar with {@code
 * -Dremediation.e2e.jar}): it serves {@code /healthz}, {@code /readyz} and Prometheus {@code
 * /metrics} on its printed port, and a restart inside the cooldown window finds every proposal
 * where it was, so the same events fold into them: no second model call, no second dispatch, and an
 * approval given after the restart dispatches once. {@code local --fresh} starts empty.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class LocalModeRestartE2E {
  static final Duration START = Duration.ofSeconds(120);
  static final Duration COMMAND = Duration.ofSeconds(60);
  static final String SOLARIA =
      "{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\"ollama\","
          + "\"message\":\"health check failing\"}";
  static final String CHELSTY =
      "{\"event_type\":\"service_down\",\"node\":\"chelsty\",\"service\":\"zigbee2mqtt\","
          + "\"message\":\"no answer\"}";
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir static Path work;
  FakeOllama ollama;
  LocalProcess local;
  int apiPort;
  int redisPort;
  int httpPort;
  Path data;
  Map<String, String> uids;

  @BeforeAll
  void fakeModel() {
    System.out.println(
        "LocalModeRestartE2E launches the operator from the " + LocalProcess.launchMode());
    ollama = new FakeOllama();
    // Confident, no human: solaria is approved by policy, chelsty waits for a person anyway.
    ollama.setDefault(FakeReply.proposal("restart", 0.9, false, null));
    apiPort = TestRedis.freePort();
    redisPort = TestRedis.freePort();
    httpPort = TestRedis.freePort();
    data = work.resolve("local-data");
  }

  @AfterAll
  void stopEverything() throws InterruptedException {
    try {
      if (local != null) {
        local.stop(Duration.ofSeconds(20));
      }
    } finally {
      ollama.close();
    }
  }

  Map<String, String> env() {
    return Map.of(
        "LOCAL_API_PORT",
        Integer.toString(apiPort),
        "LOCAL_REDIS_PORT",
        Integer.toString(redisPort),
        "HTTP_PORT",
        Integer.toString(httpPort),
        "LLM_CHAIN",
        "ollama:llama3.1:8b@" + ollama.baseUrl(),
        "LLM_TIMEOUT_SECONDS",
        "10",
        "NODE_NAME",
        "e2e-host");
  }

  void startLocal(String... extraArgs) {
    String[] args = Stream.concat(Stream.of("local"), Stream.of(extraArgs)).toArray(String[]::new);
    local = LocalProcess.start(work, env(), args);
    await("local mode prints its next steps")
        .atMost(START)
        .pollInterval(Duration.ofMillis(200))
        .failFast("local mode ended:\n" + local.logs(), () -> !local.isAlive())
        .until(() -> local.stdout().contains("Local mode is running"));
  }

  void stopLocal() throws InterruptedException {
    assertThat(local.stop(Duration.ofSeconds(30))).as(local.logs()).isEqualTo(143);
  }

  KubernetesClient client() throws IOException {
    return new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(Files.readString(data.resolve("kubeconfig"))))
        .build();
  }

  void publish(String event) {
    LocalProcess.Result r =
        LocalProcess.run(
            work,
            Map.of(),
            COMMAND,
            "publish",
            "--redis-url",
            "redis://127.0.0.1:" + redisPort,
            event);
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  static Optional<RemediationProposal> proposal(KubernetesClient c, String svcKey) {
    return proposals(c).stream().filter(p -> svcKey.equals(p.getSpec().getSvcKey())).findFirst();
  }

  static List<RemediationProposal> proposals(KubernetesClient c) {
    return c.resources(RemediationProposal.class).inNamespace("default").list().getItems();
  }

  RemediationProposal awaitProposal(
      KubernetesClient c, String svcKey, Predicate<RemediationProposal> p) throws IOException {
    await(svcKey)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .failFast("local mode ended:\n" + local.logs(), () -> !local.isAlive())
        .until(() -> proposal(c, svcKey).filter(x -> x.getStatus() != null).filter(p).isPresent());
    return proposal(c, svcKey).orElseThrow();
  }

  static Predicate<RemediationProposal> phase(Phase phase) {
    return p -> p.getStatus().getPhase() == phase;
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  List<Path> files(String dir) throws IOException {
    try (Stream<Path> s = Files.list(data.resolve(dir))) {
      return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
    }
  }

  @Test
  @Order(1)
  void servesHealthReadinessAndPrometheusMetricsOnThePrintedPort() throws Exception {
    startLocal();
    String ops = "http://127.0.0.1:" + httpPort;
    assertThat(local.stdout())
        .contains("health, metrics " + ops + "/healthz  " + ops + "/readyz  " + ops + "/metrics")
        .contains("(namespace default; empty)");
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("leader");
    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
    assertThat(metrics.body())
        .contains("# TYPE ")
        .contains("remediation_events_received_total")
        .contains("operator_sdk_");
  }

  @Test
  @Order(2)
  void aRestartInsideTheCooldownAsksTheModelOnceAndDispatchesOnce() throws Exception {
    try (KubernetesClient c = client()) {
      publish(SOLARIA);
      publish(CHELSTY);
      RemediationProposal solaria = awaitProposal(c, "solaria/ollama", phase(Phase.Dispatched));
      RemediationProposal chelsty =
          awaitProposal(c, "chelsty/zigbee2mqtt", phase(Phase.AwaitingApproval));
      uids =
          Stream.of(solaria, chelsty)
              .collect(
                  Collectors.toMap(p -> p.getSpec().getSvcKey(), p -> p.getMetadata().getUid()));
    }
    assertThat(ollama.calls()).as("one model call per incident").isEqualTo(2);
    List<Path> pending = files("pending-actions");
    assertThat(pending).hasSize(1);
    String solariaAction = Files.readString(pending.get(0));
    List<Path> events = files("events");
    assertThat(events).hasSize(1);

    stopLocal();
    startLocal();
    assertThat(local.stdout()).containsPattern("\\d+ objects restored from local-data/objects");

    try (KubernetesClient c = client()) {
      // Where they were: same objects, same phases.
      assertThat(proposals(c)).hasSize(2);
      RemediationProposal solaria = proposal(c, "solaria/ollama").orElseThrow();
      assertThat(solaria.getMetadata().getUid()).isEqualTo(uids.get("solaria/ollama"));
      assertThat(solaria.getStatus().getPhase()).isEqualTo(Phase.Dispatched);
      RemediationProposal chelsty = proposal(c, "chelsty/zigbee2mqtt").orElseThrow();
      assertThat(chelsty.getMetadata().getUid()).isEqualTo(uids.get("chelsty/zigbee2mqtt"));
      assertThat(chelsty.getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);

      // The same events again, inside the 300 s cooldown: folded into the restored proposals.
      publish(SOLARIA);
      publish(CHELSTY);
      awaitProposal(c, "solaria/ollama", p -> p.getStatus().getOccurrences() == 2);
      awaitProposal(c, "chelsty/zigbee2mqtt", p -> p.getStatus().getOccurrences() == 2);

      // An approval given after the restart dispatches chelsty, once.
      c.resources(RemediationProposal.class)
          .inNamespace("default")
          .withName(chelsty.getMetadata().getName())
          .edit(
              r -> {
                r.getMetadata()
                    .getAnnotations()
                    .put("remediation.homelab.dev/approval", "approved");
                r.getMetadata()
                    .getAnnotations()
                    .put("remediation.homelab.dev/approved-by", "alice");
                return r;
              });
      awaitProposal(c, "chelsty/zigbee2mqtt", phase(Phase.Dispatched));
      assertThat(proposals(c)).as("no new proposal").hasSize(2);
      assertThat(proposal(c, "solaria/ollama").orElseThrow().getStatus().getPhase())
          .isEqualTo(Phase.Dispatched);
    }
    assertThat(ollama.calls()).as("no second model call after the restart").isEqualTo(2);
    // The restarted process wrote exactly one dispatch (chelsty's), solaria's files are untouched.
    await("the restarted operator's metrics")
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(get("/metrics").body())
                    .contains("remediation_dispatch_writes_total{result=\"written\"} 1.0")
                    .contains("remediation_events_folded_total 2.0")
                    .doesNotContainPattern("remediation_model_calls_total\\{[^}]*} [1-9]"));
    pending = files("pending-actions");
    assertThat(pending).hasSize(2);
    assertThat(pending).anySatisfy(p -> assertThat(Files.readString(p)).isEqualTo(solariaAction));
    assertThat(files("events")).hasSize(2).contains(events.get(0));
  }

  @Test
  @Order(3)
  void freshStartsWithAnEmptyApiServerAndKeepsTheFiles() throws Exception {
    stopLocal();
    startLocal("--fresh");
    assertThat(local.stdout()).contains("(namespace default; empty)");
    try (KubernetesClient c = client()) {
      assertThat(proposals(c)).isEmpty();
      assertThat(c.v1().events().inNamespace("default").list().getItems()).isEmpty();
      assertThat(
              c.apiextensions()
                  .v1()
                  .customResourceDefinitions()
                  .withName("remediationproposals.remediation.homelab.dev")
                  .get())
          .as("the CRD is installed again")
          .isNotNull();
    }
    assertThat(files("pending-actions")).hasSize(2);
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
  }

  @Test
  @Order(4)
  void aLocalModeKilledOutrightLeavesNoRedisServerThatBlocksTheNextStart() throws Exception {
    List<ProcessHandle> redis = local.descendants();
    assertThat(redis).as("the embedded redis-server").hasSize(1);
    long leftPid = redis.get(0).pid();
    assertThat(Files.readString(data.resolve("redis.pid")).strip())
        .isEqualTo(Long.toString(leftPid));
    // SIGKILL: no shutdown hook runs, so nothing stops the redis-server.
    ProcessHandle.of(local.pid()).orElseThrow().destroyForcibly();
    await().atMost(Duration.ofSeconds(10)).until(() -> !local.isAlive());
    assertThat(redis.get(0).isAlive()).as("left running, holding the port").isTrue();

    startLocal();
    assertThat(redis.get(0).isAlive()).as("stopped by the next start").isFalse();
    List<ProcessHandle> now = local.descendants();
    assertThat(now).hasSize(1);
    assertThat(Files.readString(data.resolve("redis.pid")).strip())
        .isEqualTo(Long.toString(now.get(0).pid()));
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
    publish(SOLARIA);
    stopLocal();
    assertThat(data.resolve("redis.pid")).as("removed by a clean stop").doesNotExist();
    local = null;
  }
}
