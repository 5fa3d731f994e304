package dev.homelab.remediation.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.JsonSchemas;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole product as a user runs it: {@code remediation-operator local} as a separate process
 * (the packaged jar when {@code -Dremediation.e2e.jar=target/remediation-operator.jar}), in a fresh
 * working directory, with a fake Ollama as its model; events published with {@code
 * remediation-operator publish} (itself a process), a proposal approved with a Kubernetes client
 * built from the kubeconfig local mode wrote, and kubectl run against it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LocalModeE2E {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration START = Duration.ofSeconds(120);
  static final Duration COMMAND = Duration.ofSeconds(60);
  static final String NODE_NAME = "e2e-host";

  @TempDir static Path work;
  FakeOllama ollama;
  LocalProcess local;
  int apiPort;
  int redisPort;
  int httpPort;
  KubernetesClient client;
  Path data;

  @BeforeAll
  void startLocalMode() throws IOException {
    System.out.println("LocalModeE2E launches the operator from the " + LocalProcess.launchMode());
    ollama = new FakeOllama();
    // The model always answers "restart, confident, no human": the policy makes chelsty wait
    // anyway.
    ollama.setDefault(FakeReply.proposal("restart", 0.9, false, null));
    apiPort = TestRedis.freePort();
    redisPort = TestRedis.freePort();
    httpPort = TestRedis.freePort();
    data = work.resolve("local-data");
    local = LocalProcess.start(work, env(), "local");
    await("local mode prints its next steps")
        .atMost(START)
        .pollInterval(Duration.ofMillis(200))
        .failFast("local mode ended:\n" + local.logs(), () -> !local.isAlive())
        .until(() -> local.stdout().contains("Local mode is running"));
    Config config = Config.fromKubeconfig(Files.readString(data.resolve("kubeconfig")));
    client = new KubernetesClientBuilder().withConfig(config).build();
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
        NODE_NAME);
  }

  @AfterAll
  void stopEverything() throws InterruptedException {
    try {
      if (client != null) {
        client.close();
      }
      if (local != null) {
        local.stop(Duration.ofSeconds(20));
      }
    } finally {
      if (ollama != null) {
        ollama.close();
      }
    }
  }

  LocalProcess.Result publish(String... args) {
    List<String> all =
        new ArrayList<>(List.of("publish", "--redis-url", "redis://127.0.0.1:" + redisPort));
    all.addAll(List.of(args));
    return LocalProcess.run(work, Map.of(), COMMAND, all.toArray(String[]::new));
  }

  List<RemediationProposal> proposals() {
    return client.resources(RemediationProposal.class).inNamespace("default").list().getItems();
  }

  Optional<RemediationProposal> proposal(String svcKey) {
    return proposals().stream().filter(p -> svcKey.equals(p.getSpec().getSvcKey())).findFirst();
  }

  RemediationProposal awaitPhase(String svcKey, Phase phase) {
    await(svcKey + " in " + phase)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .failFast("local mode ended:\n" + local.logs(), () -> !local.isAlive())
        .until(
            () ->
                proposal(svcKey)
                    .map(p -> p.getStatus() != null && p.getStatus().getPhase() == phase)
                    .orElse(false));
    return proposal(svcKey).orElseThrow();
  }

  static List<Path> files(Path dir, String containing) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().contains(containing)).sorted().toList();
    }
  }

  static JsonNode read(Path file) throws IOException {
    return JSON.readTree(Files.readString(file));
  }

  @Test
  @Order(1)
  void writesAKubeconfigForItsApiServerAndTheDataDirectories() {
    Config config = client.getConfiguration();
    assertThat(config.getMasterUrl()).isEqualTo("http://127.0.0.1:" + apiPort + "/");
    assertThat(config.getNamespace()).isEqualTo("default");
    assertThat(data.resolve("pending-actions")).isDirectory();
    assertThat(data.resolve("events")).isDirectory();
    assertThat(local.stdout())
        .contains("kubectl --kubeconfig local-data/kubeconfig get rp")
        .contains("publish")
        .contains("--sample zigbee")
        .contains("local-data/pending-actions");
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("remediationproposals.remediation.homelab.dev")
                .get())
        .isNotNull();
  }

  @Test
  @Order(2)
  void eventsOfBothShapesBecomeProposalsAndAnApprovedOneIsDispatched() throws IOException {
    // Shape A, the built-in sample: chelsty always needs a person.
    LocalProcess.Result a = publish("--sample", "zigbee");
    assertThat(a.exitCode()).as(a.toString()).isZero();
    assertThat(a.stdout()).contains("to health_events").contains("received by 1 subscriber");
    RemediationProposal chelsty = awaitPhase("chelsty/zigbee2mqtt", Phase.AwaitingApproval);
    assertThat(chelsty.getStatus().getProposal().getRequiresHuman()).isTrue();
    assertThat(chelsty.getStatus().getProposal().getPolicyRules()).contains("always-human-node");
    assertThat(chelsty.getStatus().getProposal().getModel()).isEqualTo("ollama/llama3.1:8b");
    assertThat(files(data.resolve("pending-actions"), chelsty.getMetadata().getName())).isEmpty();

    // Shape B, from a file: a confident answer for solaria is approved by policy at once.
    Path world = work.resolve("world-update.json");
    Files.writeString(
        world,
        "{\"type\":\"container_restarting\",\"svc_key\":\"solaria/ollama\",\"data\":"
            + "{\"node\":\"solaria\",\"service\":\"ollama\",\"state\":\"restarting\",\"reason\":\"crash loop\"},"
            + "\"ts\":"
            + System.currentTimeMillis() / 1000
            + "}",
        StandardCharsets.UTF_8);
    LocalProcess.Result b = publish("--file", world.toString());
    assertThat(b.exitCode()).as(b.toString()).isZero();
    assertThat(b.stdout()).contains("to world_updates").contains("received by 1 subscriber");
    RemediationProposal solaria = awaitPhase("solaria/ollama", Phase.Dispatched);
    assertThat(solaria.getStatus().getApproval().getBy()).isEqualTo("policy");
    assertThat(solaria.getSpec().getEventType()).isEqualTo("container_restarting");

    // A person approves chelsty, through the kubeconfig local mode wrote.
    client
        .resources(RemediationProposal.class)
        .inNamespace("default")
        .withName(chelsty.getMetadata().getName())
        .edit(
            r -> {
              r.getMetadata().getAnnotations().put("remediation.homelab.dev/approval", "approved");
              r.getMetadata().getAnnotations().put("remediation.homelab.dev/approved-by", "alice");
              return r;
            });
    chelsty = awaitPhase("chelsty/zigbee2mqtt", Phase.Dispatched);
    assertThat(chelsty.getStatus().getApproval().getBy()).isEqualTo("annotation:alice");

    // The files, where local mode puts them by default, valid against their schemas.
    for (RemediationProposal p : List.of(chelsty, solaria)) {
      String id = p.getStatus().getDispatch().getActionId();
      Path pending = data.resolve("pending-actions").resolve(id + ".json");
      assertThat(pending).isRegularFile();
      assertThat(p.getStatus().getDispatch().getPendingActionPath()).isEqualTo(pending.toString());
      assertThat(JsonSchemas.errors("pending-action.schema.json", pending)).isEmpty();
      List<Path> events = files(data.resolve("events"), id);
      assertThat(events).hasSize(1);
      assertThat(JsonSchemas.errors("remediation-event.schema.json", events.get(0))).isEmpty();
      assertThat(read(events.get(0)).get("node").asText()).isEqualTo(NODE_NAME);
      assertThat(read(pending).get("svc_key").asText()).isEqualTo(p.getSpec().getSvcKey());
    }
    JsonNode action =
        read(
            data.resolve("pending-actions")
                .resolve(chelsty.getStatus().getDispatch().getActionId() + ".json"));
    assertThat(action.get("approved_by").asText()).isEqualTo("annotation:alice");
    assertThat(action.get("requires_human").asBoolean()).isTrue();
    assertThat(action.get("event").get("details").get("exit_code").asInt()).isEqualTo(137);
    assertThat(ollama.requests())
        .extracting(r -> r.message("user"))
        .anySatisfy(m -> assertThat(m).contains("chelsty/zigbee2mqtt"))
        .anySatisfy(m -> assertThat(m).contains("solaria/ollama"));
  }

  @Test
  @Order(3)
  void kubectlWorksWithTheKubeconfig() throws Exception {
    Optional<Path> kubectl = onPath("kubectl");
    Assumptions.assumeTrue(
        kubectl.isPresent(), "kubectl is not installed: the kubectl checks are skipped");
    // An inline event of its own, so this test does not depend on the others; chelsty waits.
    LocalProcess.Result r =
        publish(
            "{\"event_type\":\"service_down\",\"node\":\"chelsty\","
                + "\"service\":\"home-assistant\",\"message\":\"no answer on :8123\"}");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    String name =
        awaitPhase("chelsty/home-assistant", Phase.AwaitingApproval).getMetadata().getName();

    String table = kubectl(kubectl.get(), "get", "rp");
    assertThat(table.lines().findFirst().orElseThrow())
        .matches(
            "NAME\\s+SERVICE\\s+EVENT\\s+ACTION\\s+CONFIDENCE\\s+HUMAN\\s+PHASE\\s+OUTCOME\\s+AGE\\s*");
    assertThat(table)
        .containsPattern(
            name
                + "\\s+chelsty/home-assistant\\s+service_down\\s+restart\\s+0.9\\s+true\\s+AwaitingApproval\\s+\\d+s");

    assertThat(kubectl(kubectl.get(), "get", "rp", name, "-o", "yaml"))
        .contains("svcKey: chelsty/home-assistant")
        .contains("phase: AwaitingApproval");
    assertThat(kubectl(kubectl.get(), "describe", "rp", name))
        .contains("Events:")
        .containsPattern("Normal\\s+AwaitingApproval\\s+\\S+\\s+remediation-operator");

    // kubectl get -w (a watch over plain HTTP) shows the rejection as it happens.
    Path watchOut = work.resolve("kubectl-watch.out");
    Process watch =
        new ProcessBuilder(kubectlCommand(kubectl.get(), "get", "rp", "-w"))
            .redirectErrorStream(true)
            .redirectOutput(watchOut.toFile())
            .start();
    try {
      await("kubectl get -w lists the proposal")
          .atMost(Duration.ofSeconds(30))
          .until(() -> Files.readString(watchOut).contains(name));
      kubectl(kubectl.get(), "annotate", "rp", name, "remediation.homelab.dev/approval=rejected");
      awaitPhase("chelsty/home-assistant", Phase.Rejected);
      await("kubectl get -w shows Rejected")
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(Files.readString(watchOut))
                      .containsPattern(name + ".*\\sRejected\\s"));
      assertThat(watch.isAlive()).as("the watch is still open").isTrue();
    } finally {
      watch.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(kubectl(kubectl.get(), "get", "events"))
        .containsPattern("LAST SEEN\\s+TYPE\\s+REASON\\s+OBJECT\\s+MESSAGE")
        .contains("remediationproposal/" + name);
  }

  List<String> kubectlCommand(Path kubectl, String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                kubectl.toString(),
                "--kubeconfig",
                data.resolve("kubeconfig").toString(),
                "--cache-dir",
                work.resolve("kube-cache").toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  String kubectl(Path kubectl, String... args) throws IOException, InterruptedException {
    List<String> cmd = kubectlCommand(kubectl, args);
    cmd.add("--request-timeout=20s");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("KUBECONFIG");
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("kubectl ended").isTrue();
    assertThat(p.exitValue()).as(String.join(" ", args) + "\n" + output).isZero();
    return output;
  }

  static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    return Stream.of(path.split(File.pathSeparator))
        .map(d -> Path.of(d, name))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /**
   * bin/kubectl-remediation runs the packaged jar's commands with the kubeconfig local mode wrote,
   * as {@code kubectl remediation ...} does with bin/ on the PATH.
   */
  @Test
  @Order(4)
  void theKubectlPluginListsExplainsAndApproves() throws Exception {
    String jar = System.getProperty(LocalProcess.JAR_PROPERTY);
    Assumptions.assumeTrue(
        jar != null && !jar.isBlank(), "the plugin runs the packaged jar: only after package");
    LocalProcess.Result published =
        publish(
            "{\"event_type\":\"service_down\",\"node\":\"chelsty\","
                + "\"service\":\"mosquitto\",\"message\":\"no answer on :1883\"}");
    assertThat(published.exitCode()).as(published.toString()).isZero();
    String name = awaitPhase("chelsty/mosquitto", Phase.AwaitingApproval).getMetadata().getName();

    Path bin = Path.of("bin").toAbsolutePath();
    Map<String, String> env =
        Map.of(
            "KUBECONFIG", data.resolve("kubeconfig").toString(),
            "REMEDIATION_OPERATOR_JAR", Path.of(jar).toAbsolutePath().toString(),
            "PATH", bin + File.pathSeparator + System.getenv("PATH"));
    List<String> plugin = List.of(bin.resolve("kubectl-remediation").toString());
    Plugin list = plugin(plugin, env, "list");
    assertThat(list.code()).as(list.output()).isZero();
    assertThat(list.output().lines().findFirst().orElseThrow())
        .matches("NAME\\s+SERVICE\\s+ACTION\\s+CONFIDENCE\\s+PHASE\\s+AGE\\s+EXPIRES\\s*");
    assertThat(list.output().lines().skip(1).findFirst().orElseThrow())
        .as("awaiting approval first")
        .contains("AwaitingApproval")
        .contains("in 23h");
    assertThat(list.output()).containsPattern(name + "\\s+chelsty/mosquitto\\s+restart");

    Optional<Path> kubectl = onPath("kubectl");
    if (kubectl.isPresent()) {
      List<String> viaKubectl = List.of(kubectl.get().toString(), "remediation");
      Plugin k = plugin(viaKubectl, env, "list");
      assertThat(k.code()).as(k.output()).isZero();
      assertThat(k.output()).contains(name);
    }

    Plugin explain = plugin(plugin, env, "explain", name);
    assertThat(explain.code()).as(explain.output()).isZero();
    assertThat(explain.output())
        .contains("Policy rules:   always-human-node")
        .containsPattern("Normal\\s+AwaitingApproval");

    Plugin approve = plugin(plugin, env, "approve", name);
    assertThat(approve.code()).as(approve.output()).isZero();
    RemediationProposal done = awaitPhase("chelsty/mosquitto", Phase.Dispatched);
    assertThat(done.getStatus().getApproval().getBy())
        .as("approved-by defaults to the caller")
        .isEqualTo("annotation:" + System.getProperty("user.name"));
    Plugin again = plugin(plugin, env, "reject", name);
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.output()).contains("is Dispatched, not AwaitingApproval; nothing changed");
  }

  record Plugin(int code, String output) {}

  Plugin plugin(List<String> command, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(command);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true);
    LocalProcess.scrub(pb.environment());
    pb.environment().putAll(env);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s ended", cmd).isTrue();
    return new Plugin(p.exitValue(), output);
  }

  @Test
  @Order(5)
  void aSecondLocalModeRefusesThePortsTheFirstHolds() throws IOException {
    Path other = Files.createDirectories(work.resolve("second"));
    LocalProcess.Result r = LocalProcess.run(other, env(), COMMAND, "local");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.stderr().strip().lines())
        .as(r.toString())
        .singleElement()
        .asString()
        .contains("port " + apiPort + " on 127.0.0.1 is already in use")
        .contains("--api-port");
    assertThat(r.stderr() + r.stdout()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(local.isAlive()).isTrue();
  }

  /**
   * The operations endpoints answer without Nagle's delay: the JDK's HTTP server writes an answer's
   * headers and body apart, and with Nagle on the body waits for the client's delayed ACK, 40 ms on
   * Linux, every time (twenty requests took 880 ms before {@code HttpServers}; about 20 after).
   */
  @Test
  @Order(5)
  void theOperationsEndpointsAnswerWithoutNaglesDelay() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest healthz =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/healthz")).build();
    for (int i = 0; i < 5; i++) { // the connection opened, the paths run once
      assertThat(http.send(healthz, HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
    }
    int requests = 20;
    long t0 = System.nanoTime();
    for (int i = 0; i < requests; i++) {
      http.send(healthz, HttpResponse.BodyHandlers.ofString());
    }
    long millis = (System.nanoTime() - t0) / 1_000_000;
    // With the delay each answer takes at least 40 ms: 800 ms for twenty, whatever the machine.
    assertThat(millis).as("%d requests to /healthz on one connection", requests).isLessThan(600);
  }

  /** The banner's next steps include the operator's own commands, with local mode's kubeconfig. */
  @Test
  @Order(5)
  void theNextStepsNameTheKubeconfigForTheOperatorsOwnCommands() {
    assertThat(local.stdout())
        .contains("kubectl --kubeconfig local-data/kubeconfig get rp")
        .containsPattern("KUBECONFIG=local-data/kubeconfig \\S.* list    # then explain, approve");
  }

  /**
   * A second local mode in the same working directory, on ports of its own, is refused before it
   * starts anything: it would share the first's stored objects and files, and take its kubeconfig.
   */
  @Test
  @Order(5)
  void aSecondLocalModeOnTheSameDataDirectoryIsRefusedOnOtherPortsToo() throws IOException {
    String kubeconfig = Files.readString(data.resolve("kubeconfig"));
    Map<String, String> otherPorts = new java.util.HashMap<>(env());
    otherPorts.put("LOCAL_API_PORT", Integer.toString(TestRedis.freePort()));
    otherPorts.put("LOCAL_REDIS_PORT", Integer.toString(TestRedis.freePort()));
    otherPorts.put("HTTP_PORT", Integer.toString(TestRedis.freePort()));
    LocalProcess.Result r = LocalProcess.run(work, otherPorts, COMMAND, "local");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.stderr().strip().lines())
        .as(r.toString())
        .singleElement()
        .asString()
        .contains("another local mode (process " + local.pid() + ") runs with the data directory")
        .contains("--data-dir");
    assertThat(r.stderr() + r.stdout()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(Files.readString(data.resolve("kubeconfig"))).isEqualTo(kubeconfig);
    assertThat(local.isAlive()).isTrue();
  }

  @Test
  @Order(6)
  void sigtermStopsTheOperatorTheApiServerAndRedis() throws Exception {
    List<ProcessHandle> children = local.descendants();
    assertThat(children).as("the embedded redis-server").isNotEmpty();
    int exit = local.stop(Duration.ofSeconds(30));
    assertThat(exit).as(local.logs()).isEqualTo(143); // ended by SIGTERM, after its shutdown hook
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
    assertThat(local.stdout()).contains("stopping local mode");
    assertThat(portFree(apiPort)).as("API port free").isTrue();
    assertThat(portFree(redisPort)).as("Redis port free").isTrue();
    assertThat(portFree(httpPort)).as("/healthz, /readyz, /metrics port free").isTrue();
  }

  static boolean portFree(int port) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
