package dev.homelab.remediation.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import dev.homelab.remediation.api.v1alpha1.SilenceState;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.runtime.Running;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * End to end on real Redis and the mock API server: a silence made with the CLI keeps a matching
 * incident from the model and the executor; once it has ended, the next incident is proposed.
 */
@MockKube
@Timeout(120)
class SilenceFlowIT {
  static KubernetesClient client;
  static final java.util.concurrent.atomic.AtomicInteger SEQ =
      new java.util.concurrent.atomic.AtomicInteger();
  final String ns = "silenced-" + SEQ.incrementAndGet();

  @TempDir Path tmp;

  String silence(String... args) {
    SilenceCommand cmd = new SilenceCommand();
    cmd.clients = () -> new KubernetesClientBuilder().withConfig(client.getConfiguration()).build();
    cmd.env = Map.of();
    StringWriter out = new StringWriter();
    int code =
        new CommandLine(cmd)
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(new StringWriter()))
            .execute(args);
    assertThat(code).as(String.join(" ", args)).isZero();
    return out.toString().strip();
  }

  Running start(TestRedis redis, FakeOllama ollama, Path pending, String cooldown)
      throws Exception {
    Map<String, String> v = new HashMap<>();
    v.put("REDIS_URL", redis.url());
    v.put("WATCH_NAMESPACE", ns);
    v.put("NODE_NAME", "solaria");
    v.put("LLM_CHAIN", "ollama:llama3.1:8b@" + ollama.baseUrl());
    v.put("PENDING_ACTIONS_DIR", pending.toString());
    v.put("EVENTS_DIR", Files.createDirectories(tmp.resolve("e")).toString());
    v.put("FOLD_FLUSH_MILLIS", "100");
    v.put("LEADER_ELECTION", "false");
    v.put("COOLDOWN_SECONDS", cooldown);
    return Running.start(
        new Wiring(
            OperatorConfig.withDefaults(v),
            client,
            new SimpleMeterRegistry(),
            Clock.systemUTC(),
            false),
        "127.0.0.1",
        "127.0.0.1");
  }

  static String event(String timestamp) {
    return event("service_unhealthy", timestamp);
  }

  static String event(String type, String timestamp) {
    return "{\"event_type\":\""
        + type
        + "\",\"node\":\"solaria\",\"service\":\"grafana\","
        + "\"timestamp\":\""
        + timestamp
        + "\"}";
  }

  /** Until the silence's status says Active (the silence reconciler has seen it). */
  void awaitActive(String name) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              RemediationSilence s =
                  client.resources(RemediationSilence.class).inNamespace(ns).withName(name).get();
              return s != null
                  && s.getStatus() != null
                  && s.getStatus().getState() == SilenceState.Active;
            });
  }

  /** Until the namespace holds one proposal, Silenced. */
  void awaitOneSilencedProposal() {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                proposals().size() == 1
                    && proposals().get(0).getStatus() != null
                    && proposals().get(0).getStatus().getPhase() == Phase.Silenced);
  }

  List<RemediationProposal> proposals() {
    return TestKube.proposals(client, ns);
  }

  static long files(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> !f.getFileName().toString().startsWith(".")).count();
    }
  }

  /**
   * With the default cooldown too: a failure after the silence was expired early is a new incident,
   * not folded into the Silenced proposal (which had no model consultation) until the window ends.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "COOLDOWN_SECONDS={0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"0", "300"})
  void aSilenceKeepsAMatchingIncidentFromTheModelAndTheExecutorUntilItEnds(String cooldown)
      throws Exception {
    TestKube.installCrd(client);
    Path pending = Files.createDirectories(tmp.resolve("p"));
    try (TestRedis redis = new TestRedis();
        FakeOllama ollama = new FakeOllama()) {
      ollama.setDefault(FakeReply.proposal("restart", 0.9, false, null));
      Running running = start(redis, ollama, pending, cooldown);
      try {
        await().atMost(Duration.ofSeconds(20)).until(running::ready);
        String name =
            silence("add", "--service", "graf*", "--for", "1h", "--comment", "upgrade", "-n", ns);
        awaitActive(name);

        redis.publish("health_events", event(Instant.now().toString()));
        awaitOneSilencedProposal();
        RemediationProposal silenced = proposals().get(0);
        assertThat(silenced.getStatus().getSilencedBy()).isEqualTo(name);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> true);
        assertThat(ollama.calls()).as("no model call").isZero();
        assertThat(files(pending)).as("nothing written").isZero();

        // While the silence is on, the service's further failures fold into the Silenced
        // proposal, past the cooldown window too: one proposal, not one per window (or event).
        for (int i = 1; i <= 5; i++) {
          Thread.sleep(300);
          redis.publish("health_events", event(Instant.now().toString()));
        }
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> Long.valueOf(6).equals(proposals().get(0).getStatus().getOccurrences()));
        assertThat(proposals()).as("one Silenced proposal").hasSize(1);
        assertThat(ollama.calls()).as("no model call").isZero();

        // The silence ends: the next incident is the model's again (the intake asks whether the
        // silence is still on at most once a second).
        silence("expire", name, "-n", ns);
        Thread.sleep(1200);
        redis.publish("health_events", event(Instant.now().plusSeconds(1).toString()));
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    proposals().stream()
                        .anyMatch(
                            p ->
                                p.getStatus() != null
                                    && p.getStatus().getPhase() == Phase.Dispatched));
        assertThat(ollama.calls()).isEqualTo(1);
        assertThat(files(pending)).isEqualTo(1);
      } finally {
        running.close();
      }
    }
  }

  /**
   * A silence of one event type keeps that type's incident Silenced, its repeats folding into it
   * past the window, but another type of the same service is another incident: a proposal of its
   * own that the model is asked about, not folded into the Silenced one for the silence's length.
   */
  @Test
  void aSilenceOfOneEventTypeLetsAnotherTypeOfTheServiceThrough() throws Exception {
    TestKube.installCrd(client);
    Path pending = Files.createDirectories(tmp.resolve("p"));
    try (TestRedis redis = new TestRedis();
        FakeOllama ollama = new FakeOllama()) {
      ollama.setDefault(FakeReply.proposal("restart", 0.9, false, null));
      Running running = start(redis, ollama, pending, "0");
      try {
        await().atMost(Duration.ofSeconds(20)).until(running::ready);
        String name =
            silence(
                "add",
                "--service",
                "grafana",
                "--event-type",
                "service_unhealthy",
                "--for",
                "1h",
                "-n",
                ns);
        awaitActive(name);
        redis.publish("health_events", event(Instant.now().toString()));
        awaitOneSilencedProposal();
        for (int i = 1; i <= 2; i++) {
          Thread.sleep(300);
          redis.publish("health_events", event(Instant.now().toString()));
        }
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> Long.valueOf(3).equals(proposals().get(0).getStatus().getOccurrences()));

        redis.publish("health_events", event("container_oom", Instant.now().toString()));
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    proposals().stream()
                        .anyMatch(
                            p ->
                                "container_oom".equals(p.getSpec().getEventType())
                                    && p.getStatus() != null
                                    && p.getStatus().getPhase() == Phase.Dispatched));
        assertThat(proposals()).hasSize(2);
        assertThat(ollama.calls()).as("asked about the other type only").isEqualTo(1);
        assertThat(
                proposals().stream()
                    .filter(p -> p.getStatus().getPhase() == Phase.Silenced)
                    .map(p -> p.getStatus().getOccurrences()))
            .containsExactly(3L);
      } finally {
        running.close();
      }
    }
  }

  /**
   * A silence put on while the model thinks (the maintenance begins after the failure): the answer
   * that comes after it writes nothing, as a person would expect of a silence, and is kept for the
   * cooldown.
   */
  @Test
  void aSilencePutOnWhileTheModelIsAskedStopsItsAnswerFromBeingWritten() throws Exception {
    TestKube.installCrd(client);
    Path pending = Files.createDirectories(tmp.resolve("p"));
    try (TestRedis redis = new TestRedis();
        FakeOllama ollama = new FakeOllama()) {
      ollama.setDefault(
          FakeReply.proposal("restart", 0.9, false, null).delayed(Duration.ofMillis(3000)));
      Running running = start(redis, ollama, pending, "300");
      try {
        await().atMost(Duration.ofSeconds(20)).until(running::ready);
        redis.publish("health_events", event(Instant.now().toString()));
        await().atMost(Duration.ofSeconds(10)).until(() -> ollama.calls() == 1);
        String name = silence("add", "--node", "solaria", "--for", "2h", "-n", ns);
        awaitOneSilencedProposal();
        RemediationProposal p = proposals().get(0);
        assertThat(p.getStatus().getSilencedBy()).isEqualTo(name);
        assertThat(p.getStatus().getProposal().getAction()).as("kept").isEqualTo("restart");
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> true);
        assertThat(files(pending)).as("nothing written").isZero();
        assertThat(ollama.calls()).isEqualTo(1);
      } finally {
        running.close();
      }
    }
  }
}
