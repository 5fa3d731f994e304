package dev.homelab.remediation.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.decision.Names;
import dev.homelab.remediation.ingest.EventParser;
import dev.homelab.remediation.ingest.ParseOutcome;
import dev.homelab.remediation.runtime.Running;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API server answering errors (mock server expectations ahead of its CRUD mode): the operator
 * retries, loses nothing that reached it, and ends in the same state as without the faults.
 */
@MockKube
@Timeout(120)
class ApiServerFaultsIT {
  static KubernetesClient client;
  static KubernetesMockServer server;
  static final AtomicInteger SEQ = new AtomicInteger();

  @TempDir Path tmp;
  TestRedis redis;
  FakeOllama ollama;
  String namespace;
  Running running;

  @BeforeEach
  void setUp() {
    TestKube.installCrd(client);
    namespace = "faults-" + SEQ.incrementAndGet();
    redis = new TestRedis();
    ollama = new FakeOllama();
    ollama.setDefault(FakeReply.proposal("restart", 0.9, false, null));
  }

  @AfterEach
  void tearDown() {
    if (running != null) {
      running.close();
    }
    ollama.close();
    redis.close();
  }

  void start() throws Exception {
    Map<String, String> v = new HashMap<>();
    v.put("REDIS_URL", redis.url());
    v.put("WATCH_NAMESPACE", namespace);
    v.put("NODE_NAME", "solaria");
    v.put("LLM_CHAIN", "ollama:llama3.1:8b@" + ollama.baseUrl());
    v.put("PENDING_ACTIONS_DIR", Files.createDirectories(tmp.resolve("p")).toString());
    v.put("EVENTS_DIR", Files.createDirectories(tmp.resolve("e")).toString());
    v.put("HTTP_PORT", "0");
    v.put("LEADER_ELECTION", "false");
    v.put("FOLD_FLUSH_MILLIS", "100");
    running =
        Running.start(
            new Wiring(
                OperatorConfig.withDefaults(v),
                client,
                new SimpleMeterRegistry(),
                Clock.systemUTC(),
                false),
            "127.0.0.1",
            "127.0.0.1");
    await().atMost(Duration.ofSeconds(20)).until(running::ready);
  }

  static String event(String service) {
    return "{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\""
        + service
        + "\",\"timestamp\":1779902000}";
  }

  static String nameOf(String json) {
    ParseOutcome o =
        new EventParser(65536)
            .parse(json.getBytes(StandardCharsets.UTF_8), "health_events", Instant.now());
    return Names.proposalName(((ParseOutcome.Accepted) o).event());
  }

  String proposalsPath() {
    return "/apis/remediation.homelab.dev/v1alpha1/namespaces/"
        + namespace
        + "/remediationproposals";
  }

  static Object status(int code, String reason) {
    return new StatusBuilder()
        .withCode(code)
        .withReason(reason)
        .withMessage("injected " + code)
        .withStatus("Failure")
        .build();
  }

  long files(String dir) throws Exception {
    try (Stream<Path> s = Files.list(tmp.resolve(dir))) {
      return s.filter(f -> !f.getFileName().toString().startsWith(".")).count();
    }
  }

  void awaitDispatchedWithOccurrences(long occurrences) {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              List<RemediationProposal> ps = TestKube.proposals(client, namespace);
              assertThat(ps).hasSize(1);
              assertThat(ps.get(0).getStatus()).isNotNull();
              assertThat(ps.get(0).getStatus().getPhase()).isEqualTo(Phase.Dispatched);
              assertThat(ps.get(0).getStatus().getOccurrences()).isEqualTo(occurrences);
            });
  }

  @Test
  void createAnswered500Then429IsRetried() throws Exception {
    server
        .expect()
        .post()
        .withPath(proposalsPath())
        .andReturn(500, status(500, "InternalError"))
        .once();
    server
        .expect()
        .post()
        .withPath(proposalsPath())
        .andReturn(429, status(429, "TooManyRequests"))
        .once();
    start();
    for (int i = 0; i < 5; i++) {
      redis.publish("health_events", event("ollama"));
    }
    awaitDispatchedWithOccurrences(5);
    assertThat(files("p")).isEqualTo(1);
    assertThat(files("e")).isEqualTo(1);
    assertThat(ollama.calls()).isEqualTo(1);
  }

  @Test
  void createThatTimesOutIsRetried() throws Exception {
    long timeoutMs = client.getConfiguration().getRequestTimeout();
    server
        .expect()
        .post()
        .withPath(proposalsPath())
        .andReply(
            201,
            request -> {
              try {
                Thread.sleep(timeoutMs + 2_000); // the client gives up first
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return status(504, "Timeout");
            })
        .once();
    start();
    redis.publish("health_events", event("zigbee2mqtt"));
    redis.publish("health_events", event("zigbee2mqtt"));
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              List<RemediationProposal> ps = TestKube.proposals(client, namespace);
              assertThat(ps).hasSize(1);
              assertThat(ps.get(0).getStatus()).isNotNull();
              assertThat(ps.get(0).getStatus().getPhase()).isEqualTo(Phase.Dispatched);
              assertThat(ps.get(0).getStatus().getOccurrences()).isEqualTo(2L);
            });
    assertThat(timeoutMs).isPositive();
  }

  @Test
  void statusPatchesAnswered500And429AreRetried() throws Exception {
    String name = nameOf(event("redis"));
    String statusPath = proposalsPath() + "/" + name + "/status";
    server
        .expect()
        .patch()
        .withPath(statusPath)
        .andReturn(500, status(500, "InternalError"))
        .times(2);
    server
        .expect()
        .patch()
        .withPath(statusPath)
        .andReturn(429, status(429, "TooManyRequests"))
        .times(2);
    start();
    for (int i = 0; i < 3; i++) {
      redis.publish("health_events", event("redis"));
    }
    awaitDispatchedWithOccurrences(3);
    assertThat(files("p")).isEqualTo(1);
    assertThat(files("e")).isEqualTo(1);
  }

  @Test
  void conflictOnCreateFoldsIntoTheExistingProposal() throws Exception {
    String json = event("mosquitto");
    // Another instance created it first.
    RemediationProposal other =
        dev.homelab.remediation.ingest.ProposalFactory.newProposal(
            ((ParseOutcome.Accepted)
                    new EventParser(65536)
                        .parse(
                            json.getBytes(StandardCharsets.UTF_8), "health_events", Instant.now()))
                .event(),
            nameOf(json),
            namespace);
    client.resources(RemediationProposal.class).inNamespace(namespace).resource(other).create();
    start();
    redis.publish("health_events", json);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                running.intake().settled()
                    && TestKube.proposals(client, namespace).get(0).getStatus() != null
                    && TestKube.proposals(client, namespace).get(0).getStatus().getOccurrences()
                        != null);
    assertThat(TestKube.proposals(client, namespace)).hasSize(1);
    assertThat(running.intake().metrics.createdCount()).isZero();
  }
}
