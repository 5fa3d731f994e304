package dev.homelab.remediation.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.OperatorProcess;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator process killed with SIGKILL while it dispatches and while a storm arrives, then
 * started again: no proposal, pending action or remediation_started event is duplicated, and every
 * incident that reached the cluster is carried to the end.
 */
@MockKube(https = false)
@Timeout(240)
class CrashRecoveryIT {
  static KubernetesClient client;
  static KubernetesMockServer server;

  @TempDir Path tmp;

  List<Path> visible(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> !f.getFileName().toString().startsWith(".")).toList();
    }
  }

  @Test
  void sigkillDuringDispatchAndStormDuplicatesNothing() throws Exception {
    try {
      run();
    } catch (AssertionError | RuntimeException e) {
      Path log = tmp.resolve("operator.log");
      if (Files.exists(log)) {
        List<String> lines = Files.readAllLines(log);
        System.err.println("---- operator log (last 60 lines) ----");
        lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(System.err::println);
      }
      throw e;
    }
  }

  void run() throws Exception {
    TestKube.installCrd(client);
    TestKube.allowLeaseAccess(server);
    String ns = "crash";
    Path pending = Files.createDirectories(tmp.resolve("pending"));
    Path events = Files.createDirectories(tmp.resolve("events"));
    Path kubeconfig = OperatorProcess.kubeconfig(client, tmp, ns);
    Path log = tmp.resolve("operator.log");
    try (TestRedis redis = new TestRedis();
        FakeOllama ollama = new FakeOllama()) {
      ollama.setDefault(
          FakeReply.proposal("restart", 0.9, false, null).delayed(Duration.ofMillis(30)));
      Map<String, String> env =
          Map.of(
              "REDIS_URL",
              redis.url(),
              "WATCH_NAMESPACE",
              ns,
              "NODE_NAME",
              "solaria",
              "LLM_CHAIN",
              "ollama:llama3.1:8b@" + ollama.baseUrl(),
              "PENDING_ACTIONS_DIR",
              pending.toString(),
              "EVENTS_DIR",
              events.toString(),
              "LEASE_DURATION_SECONDS",
              "2",
              "FOLD_FLUSH_MILLIS",
              "200",
              "LOG_LEVEL",
              "INFO");
      int incidents = 60;
      OperatorProcess first = OperatorProcess.start(kubeconfig, env, log);
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> first.readyAsLeader());
        List<byte[]> batch = new ArrayList<>();
        for (int i = 0; i < incidents; i++) {
          batch.add(
              ("{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\"svc-"
                      + i
                      + "\",\"timestamp\":1779902000}")
                  .getBytes(StandardCharsets.UTF_8));
        }
        for (int i = 0; i < 3000; i++) {
          batch.add(
              ("{\"event_type\":\"container_restarting\",\"node\":\"chelsty\",\"service\":\"storm-"
                      + (i % 3)
                      + "\",\"timestamp\":"
                      + (1779902000L + i)
                      + "}")
                  .getBytes(StandardCharsets.UTF_8));
        }
        redis.publishAll("health_events", batch);
        // Kill it in the middle of dispatching, once every incident reached the cluster (the
        // ones still in the intake's memory are lost with the process, by design). An answer is
        // dispatched at once, so the first files appear before the intake has created them all.
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(5))
            .until(
                () ->
                    visible(pending).size() >= 5
                        && TestKube.proposals(client, ns).stream()
                                .filter(p -> p.getSpec().getService().startsWith("svc-"))
                                .count()
                            == incidents);
      } finally {
        first.kill();
      }
      int beforeRestart = visible(pending).size();
      assertThat(beforeRestart).as("killed while dispatching").isLessThan(incidents);

      try (OperatorProcess second = OperatorProcess.start(kubeconfig, env, log)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> second.readyAsLeader());
        await()
            .atMost(Duration.ofSeconds(120))
            .until(
                () -> {
                  List<RemediationProposal> ps = TestKube.proposals(client, ns);
                  return ps.stream()
                              .filter(p -> p.getSpec().getService().startsWith("svc-"))
                              .count()
                          == incidents
                      && ps.stream()
                          .allMatch(
                              p ->
                                  p.getStatus() != null
                                      && (p.getStatus().getPhase() == Phase.Dispatched
                                          || p.getStatus().getPhase() == Phase.AwaitingApproval));
                });
      }

      List<RemediationProposal> ps = TestKube.proposals(client, ns);
      // One proposal per incident, none twice.
      assertThat(ps.stream().map(p -> p.getSpec().getSvcKey()).collect(Collectors.toList()))
          .doesNotHaveDuplicates();
      Set<String> stormKeys =
          ps.stream()
              .map(p -> p.getSpec().getSvcKey())
              .filter(k -> k.startsWith("chelsty/"))
              .collect(Collectors.toSet());
      assertThat(stormKeys).hasSizeLessThanOrEqualTo(3);
      // Exactly one pending action and one event per dispatched proposal.
      Set<String> dispatchedIds =
          ps.stream()
              .filter(p -> p.getStatus().getPhase() == Phase.Dispatched)
              .map(p -> p.getStatus().getDispatch().getActionId())
              .collect(Collectors.toSet());
      assertThat(visible(pending))
          .extracting(f -> f.getFileName().toString().replace(".json", ""))
          .containsExactlyInAnyOrderElementsOf(dispatchedIds);
      assertThat(visible(events)).hasSize(dispatchedIds.size());
      assertThat(visible(events))
          .extracting(
              f ->
                  f.getFileName()
                      .toString()
                      .replaceAll("^\\d{8}T\\d{9}Z-remediation_started-|\\.json$", ""))
          .containsExactlyInAnyOrderElementsOf(dispatchedIds);
      assertThat(beforeRestart).isGreaterThan(0);
    }
  }

  @Test
  void sigtermFlushesFoldedCountsAndExitsWithinTheGracePeriod() throws Exception {
    TestKube.installCrd(client);
    TestKube.allowLeaseAccess(server);
    String ns = "sigterm";
    Path kubeconfig = OperatorProcess.kubeconfig(client, tmp, ns);
    try (TestRedis redis = new TestRedis();
        FakeOllama ollama = new FakeOllama()) {
      ollama.setDefault(FakeReply.proposal("notify", 0.9, true, null));
      Map<String, String> env =
          Map.of(
              "REDIS_URL",
              redis.url(),
              "WATCH_NAMESPACE",
              ns,
              "NODE_NAME",
              "solaria",
              "LLM_CHAIN",
              "ollama:llama3.1:8b@" + ollama.baseUrl(),
              "PENDING_ACTIONS_DIR",
              Files.createDirectories(tmp.resolve("p2")).toString(),
              "EVENTS_DIR",
              Files.createDirectories(tmp.resolve("e2")).toString(),
              // Nothing is flushed by the timer during the test: only shutdown writes the counts.
              "FOLD_FLUSH_MILLIS",
              "600000",
              "LOG_LEVEL",
              "WARN");
      OperatorProcess p = OperatorProcess.start(kubeconfig, env, tmp.resolve("sigterm.log"));
      try {
        await().atMost(Duration.ofSeconds(60)).until(p::readyAsLeader);
        List<byte[]> storm = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
          storm.add(
              ("{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\"redis\",\"timestamp\":"
                      + (1779902000L + i)
                      + "}")
                  .getBytes(StandardCharsets.UTF_8));
        }
        redis.publishAll("health_events", storm);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> p.metric("remediation_events_folded_total") == 4999);
        long t0 = System.nanoTime();
        assertThat(p.terminate(30)).as("exits by itself on SIGTERM").isTrue();
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds to exit").isLessThan(30);
      } finally {
        p.close();
      }
      List<RemediationProposal> ps = TestKube.proposals(client, ns);
      assertThat(ps).hasSize(1);
      assertThat(ps.get(0).getStatus().getOccurrences()).isEqualTo(5000L);
    }
  }
}
