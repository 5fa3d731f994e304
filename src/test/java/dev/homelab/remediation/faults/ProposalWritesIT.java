package dev.homelab.remediation.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.runtime.Running;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one proposal costs in API writes, end to end from a Redis event, counted from the requests
 * the mock API server received (every POST, PATCH and PUT to proposals, their status and Events),
 * each write told apart by what it carries: the intake's create and its status write, the
 * reconciler's status writes (they carry a phase), Events created and continued.
 */
@MockKube
@Timeout(120)
class ProposalWritesIT {
  static KubernetesClient client;
  static KubernetesMockServer server;
  static final AtomicInteger SEQ = new AtomicInteger();

  static final Pattern PHASE = Pattern.compile("\"phase\":\"(\\w+)\"");

  /** A write as the operator's client sent it. */
  record Sent(String method, String path, String body) {}

  final Queue<Sent> sent = new ConcurrentLinkedQueue<>();

  /** The paths the operator's client opened watches on. */
  final Queue<String> watches = new ConcurrentLinkedQueue<>();

  @TempDir Path tmp;
  TestRedis redis;
  FakeOllama ollama;
  String namespace;
  Running running;
  KubernetesClient recording;

  @BeforeEach
  void setUp() {
    TestKube.installCrd(client);
    namespace = "writes-" + SEQ.incrementAndGet();
    redis = new TestRedis();
    ollama = new FakeOllama();
  }

  @AfterEach
  void tearDown() {
    if (running != null) {
      running.close();
    }
    if (recording != null) {
      recording.close();
    }
    ollama.close();
    redis.close();
  }

  void start(String graceMillis) throws Exception {
    Map<String, String> v = new HashMap<>();
    v.put("REDIS_URL", redis.url());
    v.put("WATCH_NAMESPACE", namespace);
    v.put("NODE_NAME", "solaria");
    v.put("LLM_CHAIN", "ollama:llama3.1:8b@" + ollama.baseUrl());
    v.put("LLM_TIMEOUT_SECONDS", "10");
    v.put("PENDING_ACTIONS_DIR", Files.createDirectories(tmp.resolve("p")).toString());
    v.put("EVENTS_DIR", Files.createDirectories(tmp.resolve("e")).toString());
    v.put("LEADER_ELECTION", "false");
    v.put("PROPOSING_GRACE_MILLIS", graceMillis);
    // The operator's client: the mock server's, recording what each write carries.
    recording =
        new KubernetesClientBuilder()
            .withConfig(client.getConfiguration())
            .withHttpClientBuilderConsumer(
                b ->
                    b.addOrReplaceInterceptor(
                        "writes",
                        new Interceptor() {
                          @Override
                          public void before(
                              BasicBuilder builder, HttpRequest request, RequestTags tags) {
                            String query = request.uri().getQuery();
                            if ("GET".equals(request.method())
                                && query != null
                                && query.contains("watch=true")) {
                              watches.add(request.uri().getPath());
                            }
                            if (!"GET".equals(request.method())) {
                              String body = request.bodyString();
                              sent.add(
                                  new Sent(
                                      request.method(),
                                      request.uri().getPath(),
                                      body == null ? "" : body));
                            }
                          }
                        }))
            .build();
    running =
        Running.start(
            new Wiring(
                OperatorConfig.withDefaults(v),
                recording,
                new SimpleMeterRegistry(),
                Clock.systemUTC(),
                false),
            "127.0.0.1",
            "127.0.0.1");
    await().atMost(Duration.ofSeconds(20)).until(running::ready);
    drain(); // start-up's own requests (lists, watches) are not the proposal's
  }

  void publish(String node) {
    redis.publish(
        "health_events",
        "{\"event_type\":\"service_unhealthy\",\"node\":\""
            + node
            + "\",\"service\":\"ollama\",\"severity\":\"warning\"}");
  }

  /** The API writes of one proposal, by kind. */
  record Writes(
      int creates,
      int intakeStatus,
      List<String> reconcilerPhases,
      int eventCreates,
      int eventPatches,
      int other) {
    int total() {
      return creates + intakeStatus + reconcilerPhases.size() + eventCreates + eventPatches + other;
    }
  }

  /**
   * The writes since the last drain: counted from the mock server's request log, each told apart by
   * its body as the operator's client sent it (the server's log does not keep bodies).
   */
  Writes drain() throws InterruptedException {
    int received = 0;
    RecordedRequest r;
    while ((r = server.takeRequest(20, TimeUnit.MILLISECONDS)) != null) {
      if (!"GET".equals(r.getMethod()) && r.getPath().contains("/namespaces/" + namespace + "/")) {
        received++;
      }
    }
    int creates = 0;
    int intake = 0;
    List<String> phases = new ArrayList<>();
    int eventCreates = 0;
    int eventPatches = 0;
    int other = 0;
    List<Sent> batch = new ArrayList<>();
    Sent one;
    while ((one = sent.poll()) != null) {
      if (one.path().contains("/namespaces/" + namespace + "/")) {
        batch.add(one);
      }
    }
    for (Sent w : batch) {
      String path = w.path();
      if (path.contains("/remediationproposals") && "POST".equals(w.method())) {
        creates++;
      } else if (path.contains("/remediationproposals") && path.endsWith("/status")) {
        Matcher phase = PHASE.matcher(w.body());
        if (phase.find()) {
          phases.add(phase.group(1));
        } else if (w.body().contains("\"occurrences\"")) {
          intake++;
        } else {
          other++;
        }
      } else if (path.contains("/events") && "POST".equals(w.method())) {
        eventCreates++;
      } else if (path.contains("/events") && "PATCH".equals(w.method())) {
        eventPatches++;
      } else {
        other++;
      }
    }
    assertThat(batch).as("writes sent, as the API server received them").hasSize(received);
    return new Writes(creates, intake, phases, eventCreates, eventPatches, other);
  }

  RemediationProposal awaitPhase(Phase phase) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              List<RemediationProposal> ps = TestKube.proposals(client, namespace);
              return ps.size() == 1
                  && ps.get(0).getStatus() != null
                  && ps.get(0).getStatus().getPhase() == phase;
            });
    return TestKube.proposals(client, namespace).get(0);
  }

  List<String> eventReasons() {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .map(Event::getReason)
        .toList();
  }

  long files(String dir) throws Exception {
    try (Stream<Path> s = Files.list(tmp.resolve(dir))) {
      return s.count();
    }
  }

  /**
   * An instant model, a confident answer: the intake's create, ONE reconciler status write (the
   * opening count, the answer, the approval by policy and the dispatch together) and two Events
   * (Proposed, Dispatched) — 4 API writes.
   */
  @Test
  void anAutoApprovedProposalCostsFourApiWrites() throws Exception {
    ollama.setDefault(FakeReply.proposal("restart", 0.9, false, null));
    start("3000"); // instant: well inside the grace however loaded the machine
    publish("solaria");
    RemediationProposal p = awaitPhase(Phase.Dispatched);
    Thread.sleep(3_500); // past the grace and a fold flush: any late write is counted too
    Writes w = drain();

    assertThat(w.creates()).as("the intake's create").isEqualTo(1);
    assertThat(w.intakeStatus()).as("no status write of the intake's own").isZero();
    assertThat(w.reconcilerPhases()).as("reconciler status writes").containsExactly("Dispatched");
    assertThat(w.eventCreates()).as("Events: Proposed, Dispatched").isEqualTo(2);
    assertThat(w.eventPatches()).isZero();
    assertThat(w.other()).isZero();
    assertThat(w.total()).as("API writes per auto-approved proposal").isEqualTo(4);
    assertThat(eventReasons()).containsExactlyInAnyOrder("Proposed", "Dispatched");
    assertThat(p.getStatus().getApproval().getBy()).isEqualTo("policy");
    assertThat(p.getStatus().getOccurrences()).isEqualTo(1);
    assertThat(ollama.calls()).isEqualTo(1);
    assertThat(files("p")).isEqualTo(1);
    assertThat(files("e")).isEqualTo(1);
  }

  /**
   * One watch on proposals, not two: the intake reads the reconciler's cache, so each write to a
   * proposal reaches the operator once (and the cache is held once).
   */
  @Test
  void theOperatorWatchesProposalsOnce() throws Exception {
    start("3000");
    // A second informer would open its watch after its list, a moment after ready: wait a little.
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
    assertThat(watches.stream().filter(w -> w.endsWith("/remediationproposals")))
        .as("watches on proposals")
        .containsExactly(
            "/apis/remediation.homelab.dev/v1alpha1/namespaces/"
                + namespace
                + "/remediationproposals");
  }

  /** A proposal a person must approve: the same price, the second Event says what to do. */
  @Test
  void aProposalAwaitingApprovalCostsFourApiWrites() throws Exception {
    ollama.setDefault(FakeReply.proposal("restart", 0.9, false, null));
    start("3000");
    publish("chelsty"); // ALWAYS_HUMAN_NODES
    awaitPhase(Phase.AwaitingApproval);
    Thread.sleep(3_500);
    Writes w = drain();

    assertThat(w.creates()).isEqualTo(1);
    assertThat(w.intakeStatus()).isZero();
    assertThat(w.reconcilerPhases()).containsExactly("AwaitingApproval");
    assertThat(w.eventCreates()).as("Events: Proposed, AwaitingApproval").isEqualTo(2);
    assertThat(w.total()).isEqualTo(4);
    assertThat(eventReasons()).containsExactlyInAnyOrder("Proposed", "AwaitingApproval");
    assertThat(files("p")).isZero();
  }

  /**
   * A model slower than the grace: Proposing is written once the grace is over, and can be seen
   * while the model thinks; then the answer and the dispatch are one write. Two writes more (the
   * Proposing status write and its Event) than the instant path.
   */
  @Test
  void aSlowModelShowsProposingWhileItThinks() throws Exception {
    ollama.setDefault(
        FakeReply.proposal("restart", 0.9, false, null).delayed(Duration.ofSeconds(3)));
    start("300");
    publish("solaria");
    RemediationProposal proposing = awaitPhase(Phase.Proposing);
    assertThat(proposing.getStatus().getMessage()).contains("Asking ollama/llama3.1:8b");
    assertThat(proposing.getStatus().getOccurrences())
        .as("the first write's opening count")
        .isEqualTo(1L);
    awaitPhase(Phase.Dispatched);
    Thread.sleep(1_500);
    Writes w = drain();

    assertThat(w.creates()).isEqualTo(1);
    assertThat(w.intakeStatus()).isZero();
    assertThat(w.reconcilerPhases()).containsExactly("Proposing", "Dispatched");
    assertThat(w.eventCreates()).as("Events: Proposing, Proposed, Dispatched").isEqualTo(3);
    assertThat(w.total()).isEqualTo(6);
    assertThat(eventReasons()).containsExactlyInAnyOrder("Proposing", "Proposed", "Dispatched");
    assertThat(ollama.calls()).isEqualTo(1);
  }
}
