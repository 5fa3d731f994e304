package dev.homelab.remediation.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.runtime.Running;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.ReadOnlyDirs;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import dev.homelab.remediation.support.Tmpfs;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What each failure path costs in a fixed stretch of time, counted from the requests the mock API
 * server received and the fake model's calls: status writes, Events and model calls have upper
 * bounds, not only the final phase.
 */
@MockKube
@Timeout(180)
class CostIT {
  static KubernetesClient client;
  static KubernetesMockServer server;
  static final AtomicInteger SEQ = new AtomicInteger();

  @TempDir Path tmp;
  TestRedis redis;
  FakeOllama ollama;
  String namespace;
  SimpleMeterRegistry registry;
  Running running;

  @BeforeEach
  void setUp() {
    TestKube.installCrd(client);
    namespace = "cost-" + SEQ.incrementAndGet();
    redis = new TestRedis();
    ollama = new FakeOllama();
    ollama.setDefault(FakeReply.proposal("restart", 0.9, false, null));
    registry = new SimpleMeterRegistry();
  }

  @AfterEach
  void tearDown() {
    if (running != null) {
      running.close();
    }
    ollama.close();
    redis.close();
  }

  void start(Path pendingDir, Map<String, String> extra) throws Exception {
    Map<String, String> v = new HashMap<>();
    v.put("REDIS_URL", redis.url());
    v.put("WATCH_NAMESPACE", namespace);
    v.put("NODE_NAME", "solaria");
    v.put("LLM_CHAIN", "ollama:llama3.1:8b@" + ollama.baseUrl());
    v.put("PENDING_ACTIONS_DIR", pendingDir.toString());
    v.put("EVENTS_DIR", Files.createDirectories(tmp.resolve("e")).toString());
    v.put("LEADER_ELECTION", "false");
    v.put("FOLD_FLUSH_MILLIS", "1000");
    v.putAll(extra);
    running =
        Running.start(
            new Wiring(OperatorConfig.withDefaults(v), client, registry, Clock.systemUTC(), false),
            "127.0.0.1",
            "127.0.0.1");
    await().atMost(Duration.ofSeconds(20)).until(running::ready);
  }

  static String event(String service) {
    return "{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\""
        + service
        + "\",\"severity\":\"warning\"}";
  }

  /** Requests to this namespace, by kind, drained from the mock server's log. */
  record Cost(int proposalWrites, int eventWrites, int requests) {}

  Cost drain() throws InterruptedException {
    int proposalWrites = 0;
    int eventWrites = 0;
    int requests = 0;
    RecordedRequest r;
    while ((r = server.takeRequest(20, TimeUnit.MILLISECONDS)) != null) {
      String path = r.getPath();
      if (!path.contains("/namespaces/" + namespace + "/")) {
        continue;
      }
      requests++;
      boolean write = !"GET".equals(r.getMethod());
      if (write && path.contains("/remediationproposals")) {
        proposalWrites++;
      } else if (write && path.contains("/events")) {
        eventWrites++;
      }
    }
    return new Cost(proposalWrites, eventWrites, requests);
  }

  double dispatchFailures() {
    var c = registry.find("remediation.dispatch.writes").tag("result", "failed").counter();
    return c == null ? 0 : c.count();
  }

  List<Event> events(String reason) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }

  RemediationProposal only() {
    List<RemediationProposal> ps = TestKube.proposals(client, namespace);
    assertThat(ps).hasSize(1);
    return ps.get(0);
  }

  /**
   * With the files unwritable, one approved proposal tries 2 s doubling: in 12 s at most 4 write
   * attempts (0, 2, 6 s and one late), each one status write and one Event update, and one Event
   * object with its count.
   */
  void dispatchFailureCostsAtMostTheSchedule(Path pendingDir, Runnable repair) throws Exception {
    start(pendingDir, Map.of());
    redis.publish("health_events", event("ollama"));
    await().atMost(Duration.ofSeconds(20)).until(() -> dispatchFailures() >= 1);
    drain();
    double before = dispatchFailures();
    Thread.sleep(12_000);
    Cost cost = drain();
    double attempts = dispatchFailures() - before;

    assertThat(attempts).as("write attempts in 12 s").isBetween(1.0, 4.0);
    assertThat(cost.proposalWrites()).as("proposal writes in 12 s").isLessThanOrEqualTo(5);
    assertThat(cost.eventWrites()).as("Event writes in 12 s").isLessThanOrEqualTo(5);
    assertThat(cost.requests()).as("all requests in 12 s").isLessThanOrEqualTo(20);
    assertThat(only().getStatus().getPhase()).isEqualTo(Phase.Approved);
    assertThat(only().getStatus().getAttempts()).isGreaterThanOrEqualTo(2);
    assertThat(only().getStatus().getNextAttemptAt()).isNotNull();
    // Events follow the status write that made them (their own thread): the count catches up.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              List<Event> failed = events("DispatchFailed");
              assertThat(failed).as("one Event object for the repeated reason").hasSize(1);
              assertThat(failed.get(0).getCount()).isEqualTo(only().getStatus().getAttempts());
            });
    assertThat(ollama.calls()).isEqualTo(1);

    repair.run();
    await()
        .atMost(Duration.ofSeconds(40))
        .until(() -> only().getStatus().getPhase() == Phase.Dispatched);
    // The write's retry schedule ended with the success: nothing in status says a try is due.
    assertThat(only().getStatus().getAttempts()).isZero();
    assertThat(only().getStatus().getNextAttemptAt()).as("nextAttemptAt").isNull();
    assertThat(only().getStatus().getLastAttemptAt()).as("lastAttemptAt").isNull();
  }

  @Test
  void missingPendingActionsDirectory() throws Exception {
    Path missing = tmp.resolve("not-there");
    dispatchFailureCostsAtMostTheSchedule(
        missing,
        () -> {
          try {
            Files.createDirectories(missing);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  @Test
  void readOnlyPendingActionsDirectory() throws Exception {
    Path ro = Files.createDirectories(tmp.resolve("ro"));
    assumeTrue(ReadOnlyDirs.makeReadOnly(ro), "cannot make a directory read-only here");
    try {
      dispatchFailureCostsAtMostTheSchedule(ro, () -> ReadOnlyDirs.makeWritable(ro));
    } finally {
      ReadOnlyDirs.makeWritable(ro);
    }
  }

  @Test
  void fullPendingActionsDirectory() throws Exception {
    Path small = Files.createDirectories(tmp.resolve("small"));
    try (Tmpfs mounted = Tmpfs.mount(small, "size=8k")) {
      Path filler = small.resolve("filler");
      try {
        Files.write(filler, new byte[16 * 1024]);
      } catch (java.io.IOException expected) {
        // the file system is full now
      }
      dispatchFailureCostsAtMostTheSchedule(
          small,
          () -> {
            try {
              Files.deleteIfExists(filler);
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
    }
  }

  /**
   * 500 events over 10 s for a service whose two models answer 500, with RETRY_BASE_SECONDS=10: the
   * chain is walked at most twice (the first event, then no sooner than the base), whatever the
   * fold flushes do.
   */
  @Test
  void failingChainDuringAStorm() throws Exception {
    ollama.setDefault(FakeReply.status(500));
    start(
        Files.createDirectories(tmp.resolve("p")),
        Map.of(
            "LLM_CHAIN",
            "ollama:llama3.1:8b@" + ollama.baseUrl() + ",ollama:qwen2.5:7b@" + ollama.baseUrl(),
            "RETRY_BASE_SECONDS",
            "10"));
    drain();
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    int sent = 0;
    while (System.nanoTime() < end) {
      redis.publish("health_events", event("ollama"));
      sent++;
      Thread.sleep(20);
    }
    Cost cost = drain();
    assertThat(sent).isGreaterThan(100);
    assertThat(ollama.calls()).as("model calls (2 per walk) in 10 s").isLessThanOrEqualTo(4);
    assertThat(ollama.calls()).isGreaterThanOrEqualTo(2);
    // create + intake flushes (1 s) + Failed (no Pending or Proposing write before the first
    // answer), and one retry's two (Proposing, Failed).
    assertThat(cost.proposalWrites()).as("proposal writes in 10 s").isLessThanOrEqualTo(18);
    // ChainFailed, Retrying, the ChainFailed count (and Proposing should a walk outlast the grace).
    assertThat(cost.eventWrites()).as("Event writes in 10 s").isLessThanOrEqualTo(6);
    assertThat(only().getStatus().getPhase()).isIn(Phase.Failed, Phase.Proposing);
    assertThat(events("ChainFailed")).hasSize(1);
  }

  /**
   * The API server answering 500 (or 429) to every status write of the proposal: the reconciler's
   * and the intake's retries back off. The model is asked once, before any status write, and its
   * answer kept by the router while the write is retried: it is not asked again, and the files it
   * led to are written once (rewritten identically by each retry, one remediation_started event).
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "answered {0}")
  @org.junit.jupiter.params.provider.ValueSource(ints = {500, 429})
  void statusWritesAnsweredAnError(int code) throws Exception {
    String statusPath =
        "/apis/remediation.homelab.dev/v1alpha1/namespaces/"
            + namespace
            + "/remediationproposals/"
            + dev.homelab.remediation.decision.Names.proposalName(
                ((dev.homelab.remediation.ingest.ParseOutcome.Accepted)
                        new dev.homelab.remediation.ingest.EventParser(65536)
                            .parse(
                                event("redis").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                "health_events",
                                java.time.Instant.now()))
                    .event())
            + "/status";
    AtomicInteger answered = new AtomicInteger();
    server
        .expect()
        .patch()
        .withPath(statusPath)
        .andReply(
            code,
            r -> {
              answered.incrementAndGet();
              return new StatusBuilder().withCode(code).withMessage("injected").build();
            })
        .times(1000);
    start(Files.createDirectories(tmp.resolve("p")), Map.of());
    redis.publish("health_events", event("redis"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> TestKube.proposals(client, namespace).size() == 1 && answered.get() >= 1);
    drain();
    int before = answered.get();
    Thread.sleep(12_000);
    Cost cost = drain();
    int failedWrites = answered.get() - before;
    assertThat(failedWrites).as("failed status writes in 12 s").isLessThanOrEqualTo(30);
    assertThat(cost.requests()).as("all requests in 12 s").isLessThanOrEqualTo(45);
    assertThat(ollama.calls()).as("one model call, its answer kept").isEqualTo(1);
    try (var events = Files.list(tmp.resolve("e"))) {
      assertThat(events.count()).as("one remediation_started event").isEqualTo(1);
    }
  }
}
