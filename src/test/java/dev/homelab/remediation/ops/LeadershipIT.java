package dev.homelab.remediation.ops;

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
import dev.homelab.remediation.support.OperatorProcess;
import dev.homelab.remediation.support.StallingProxy;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestProposals;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leadership as controllers do it: a replica whose Lease is taken stops every effect at once (and
 * {@code run} exits with 1), and a leader stopped with SIGTERM releases its Lease, so a standby
 * leads at its next retry instead of after the lease expires.
 */
@MockKube(https = false)
@Timeout(180)
class LeadershipIT {
  static KubernetesClient client;
  static KubernetesMockServer server;
  static final String AGENT = "remediation-operator-under-test";
  static final String LEASE = "remediation-operator";

  @TempDir Path tmp;

  Map<String, String> env(TestRedis redis, FakeOllama ollama, String ns, int leaseSeconds)
      throws Exception {
    Map<String, String> v = new HashMap<>();
    v.put("REDIS_URL", redis.url());
    v.put("WATCH_NAMESPACE", ns);
    v.put("NODE_NAME", "solaria");
    v.put("LLM_CHAIN", "ollama:llama3.1:8b@" + ollama.baseUrl());
    v.put("PENDING_ACTIONS_DIR", Files.createDirectories(tmp.resolve("pending")).toString());
    v.put("EVENTS_DIR", Files.createDirectories(tmp.resolve("events")).toString());
    v.put("LEASE_DURATION_SECONDS", Integer.toString(leaseSeconds));
    return v;
  }

  static String event(String service) {
    return "{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\""
        + service
        + "\",\"timestamp\":1779902000}";
  }

  static String holder(String ns) {
    Lease l = client.resources(Lease.class).inNamespace(ns).withName(LEASE).get();
    return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
  }

  /**
   * Another replica takes the Lease (holder changed, renewed now), again whenever a renewal of the
   * old holder that was already under way overwrote it, until {@code noticed}.
   */
  static void takeLeaseUntil(String ns, BooleanSupplier noticed) {
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              if (noticed.getAsBoolean()) {
                return true;
              }
              if (!"intruder".equals(holder(ns))) {
                ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
                try {
                  client
                      .resources(Lease.class)
                      .inNamespace(ns)
                      .withName(LEASE)
                      .edit(
                          l -> {
                            l.getSpec().setHolderIdentity("intruder");
                            l.getSpec().setAcquireTime(now);
                            l.getSpec().setRenewTime(now);
                            l.getSpec().setLeaseDurationSeconds(60);
                            return l;
                          });
                } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                  if (e.getCode() != 409) {
                    throw e;
                  }
                  // The holder renewed between our read and our write: take it at the next poll.
                }
              }
              return false;
            });
  }

  /** The operator in this JVM on {@code operatorClient}; {@code onLost} is called on a loss. */
  static Running inProcess(
      Map<String, String> env, KubernetesClient operatorClient, Runnable onLost) {
    return Running.start(
        new Wiring(
            OperatorConfig.withDefaults(env),
            operatorClient,
            new SimpleMeterRegistry(),
            Clock.systemUTC(),
            false,
            onLost),
        "127.0.0.1",
        "127.0.0.1");
  }

  /** A person approves {@code name} (the annotation, as kubectl annotate sets it). */
  static void approve(String ns, String name) {
    client
        .resources(RemediationProposal.class)
        .inNamespace(ns)
        .withName(name)
        .edit(
            p -> {
              p.getMetadata().getAnnotations().put("remediation.homelab.dev/approval", "approved");
              return p;
            });
  }

  /** Waits for the one proposal of {@code ns} to await approval. */
  static void awaitOneAwaitingApproval(String ns) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              List<RemediationProposal> ps = TestKube.proposals(client, ns);
              return ps.size() == 1
                  && ps.get(0).getStatus() != null
                  && ps.get(0).getStatus().getPhase() == Phase.AwaitingApproval;
            });
  }

  /** Requests recorded since the last call, as "METHOD path", made by the operator's client. */
  static List<String> operatorRequests() throws InterruptedException {
    List<String> out = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
      String ua = r.getHeader("User-Agent");
      if (ua != null && ua.contains(AGENT)) {
        out.add(r.getMethod() + " " + r.getPath());
      }
    }
    return out;
  }

  static List<String> writes(List<String> requests) {
    return requests.stream().filter(r -> !r.startsWith("GET ")).toList();
  }

  static RemediationProposal only(String ns) {
    List<RemediationProposal> ps = TestKube.proposals(client, ns);
    assertThat(ps).hasSize(1);
    return ps.get(0);
  }

  @Test
  void aReplicaWhoseLeaseIsTakenHasNoFurtherEffect() throws Exception {
    TestKube.installCrd(client);
    TestKube.allowLeaseAccess(server);
    String ns = "taken";
    KubernetesClient operatorClient =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(AGENT).build())
            .build();
    AtomicInteger lostCalls = new AtomicInteger();
    try (TestRedis redis = new TestRedis();
        FakeOllama ollama = new FakeOllama()) {
      // Every answer waits for a person, so the proposal parks in AwaitingApproval.
      ollama.setDefault(FakeReply.proposal("restart", 0.9, true, null));
      Map<String, String> v = env(redis, ollama, ns, 2);
      v.put("HTTP_PORT", "0");
      // Folded counts stay in memory: only a flush on the way out would write them.
      v.put("FOLD_FLUSH_MILLIS", "600000");
      Running running = inProcess(v, operatorClient, lostCalls::incrementAndGet);
      try {
        await().atMost(Duration.ofSeconds(20)).until(running::ready);
        redis.publish("health_events", event("ollama"));
        awaitOneAwaitingApproval(ns);
        redis.publish("health_events", event("ollama"));
        redis.publish("health_events", event("ollama"));
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    running.intake().metrics.foldedCount() == 2
                        && running.intake().pipeline.idle());
        assertThat(ollama.calls()).isEqualTo(1);
        String name = only(ns).getMetadata().getName();
        operatorRequests();

        takeLeaseUntil(ns, () -> lostCalls.get() > 0);
        assertThat(writes(operatorRequests()))
            .as("writes between the take-over and noticing it (only a Lease renewal may race)")
            .allMatch(w -> w.contains("/leases/"));

        // After the loss is noticed: an event, an approval and a new proposal, none acted on.
        assertThat(redis.publish("health_events", event("redis")))
            .as("nobody subscribes any more")
            .isZero();
        approve(ns, name);
        RemediationProposal fresh =
            TestProposals.named(
                ns,
                "solaria-grafana-0123456789",
                TestProposals.spec("solaria", "grafana", "service_unhealthy"));
        client.resource(fresh).create();
        await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> true);

        assertThat(writes(operatorRequests())).as("writes in the 5 s after the loss").isEmpty();
        assertThat(ollama.calls()).as("model calls").isEqualTo(1);
        assertThat(lostCalls.get()).isEqualTo(1);
        assertThat(running.leader()).isFalse();
        assertThat(running.intake()).isNull();
        assertThat(running.liveness().ok()).isFalse();
        RemediationProposal parked =
            client.resources(RemediationProposal.class).inNamespace(ns).withName(name).get();
        assertThat(parked.getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);
        assertThat(parked.getStatus().getOccurrences())
            .as("folded counts not flushed")
            .isEqualTo(1);
        assertThat(
                client
                    .resources(RemediationProposal.class)
                    .inNamespace(ns)
                    .withName("solaria-grafana-0123456789")
                    .get()
                    .getStatus())
            .isNull();
        assertThat(Files.list(tmp.resolve("pending")).toList()).isEmpty();
      } finally {
        running.close();
        operatorClient.close();
      }
      assertThat(writes(operatorRequests())).as("writes on close after the loss").isEmpty();
      assertThat(holder(ns)).isEqualTo("intruder");
    }
  }

  /**
   * The API server stops answering (a stall, not an error: connections stay open, requests hang
   * inside the client's timeout): the leader's renewals stall, and the elector would notice only
   * once one returns. The leader fences itself before its Lease expires, so the replica that takes
   * the expired Lease is the only one acting: an approval given meanwhile is not dispatched by the
   * old leader once its requests flow again.
   */
  @Test
  void aLeaderWhoseRenewalsStallFencesItselfBeforeItsLeaseExpires() throws Exception {
    TestKube.installCrd(client);
    TestKube.allowLeaseAccess(server);
    String ns = "stalled";
    int leaseSeconds = 6;
    AtomicInteger lostCalls = new AtomicInteger();
    AtomicLong fencedAt = new AtomicLong();
    try (TestRedis redis = new TestRedis();
        FakeOllama ollama = new FakeOllama();
        StallingProxy proxy = new StallingProxy(server.getPort())) {
      KubernetesClient operatorClient =
          new KubernetesClientBuilder()
              .withConfig(
                  new ConfigBuilder(client.getConfiguration())
                      .withMasterUrl("http://127.0.0.1:" + proxy.port())
                      .withUserAgent(AGENT)
                      .build())
              .build();
      ollama.setDefault(FakeReply.proposal("restart", 0.9, true, null));
      Map<String, String> v = env(redis, ollama, ns, leaseSeconds);
      v.put("HTTP_PORT", "0");
      Running running =
          inProcess(
              v,
              operatorClient,
              () -> {
                fencedAt.compareAndSet(0, System.currentTimeMillis());
                lostCalls.incrementAndGet();
              });
      try {
        await().atMost(Duration.ofSeconds(20)).until(running::ready);
        redis.publish("health_events", event("ollama"));
        awaitOneAwaitingApproval(ns);
        String name = only(ns).getMetadata().getName();
        // Renewals go on, read back every retry period: no fence while they do.
        operatorRequests();
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
        assertThat(lostCalls.get()).as("fenced while renewals went through").isZero();
        // The cost of reading it back: one GET a retry period (1 s here) beside the elector's
        // own GET and write each renewal, so about 9 Lease requests in these 3 s.
        assertThat(operatorRequests().stream().filter(r -> r.contains("/leases/")).count())
            .as("Lease requests in 3 s")
            .isBetween(3L, 14L);

        proxy.stall();
        long stalledAt = System.currentTimeMillis();
        // A person approves meanwhile; the operator cannot see it yet.
        approve(ns, name);
        await().atMost(Duration.ofSeconds(leaseSeconds + 2)).until(() -> lostCalls.get() > 0);
        Lease lease = client.resources(Lease.class).inNamespace(ns).withName(LEASE).get();
        long renewedAt = lease.getSpec().getRenewTime().toInstant().toEpochMilli();
        System.out.println(
            "fenced "
                + (fencedAt.get() - renewedAt)
                + " ms after the last renewal, "
                + (fencedAt.get() - stalledAt)
                + " ms after the stall");
        assertThat(lease.getSpec().getHolderIdentity()).isNotEqualTo("intruder");
        assertThat(fencedAt.get())
            .as("fenced before the Lease renewed at %s expires", lease.getSpec().getRenewTime())
            .isLessThan(renewedAt + leaseSeconds * 1000L);
        assertThat(running.liveness().ok()).isFalse();
        assertThat(running.intake()).isNull();

        // Once the Lease has expired a standby takes it; then the old leader's requests flow.
        await()
            .atMost(Duration.ofSeconds(leaseSeconds + 2))
            .until(() -> System.currentTimeMillis() > renewedAt + leaseSeconds * 1000L);
        takeLeaseUntil(ns, () -> "intruder".equals(holder(ns)));
        operatorRequests();
        proxy.resume();
        await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> true);
        assertThat(writes(operatorRequests()))
            .as("writes once the stall ends (only a renewal already sent may land)")
            .allMatch(w -> w.contains("/leases/"));
        assertThat(lostCalls.get()).as("the loss is handled once").isEqualTo(1);
        assertThat(ollama.calls()).isEqualTo(1);
        assertThat(
                client
                    .resources(RemediationProposal.class)
                    .inNamespace(ns)
                    .withName(name)
                    .get()
                    .getStatus()
                    .getPhase())
            .isEqualTo(Phase.AwaitingApproval);
        assertThat(Files.list(tmp.resolve("pending")).toList()).isEmpty();
      } finally {
        proxy.resume();
        running.close();
        operatorClient.close();
      }
      assertThat(holder(ns)).isEqualTo("intruder");
    }
  }

  @Test
  void aStandbyLeadsWithinThreeSecondsOfTheLeadersSigterm() throws Exception {
    TestKube.installCrd(client);
    TestKube.allowLeaseAccess(server);
    String ns = "handover";
    Path kubeconfig = OperatorProcess.kubeconfig(client, tmp, ns);
    try (TestRedis redis = new TestRedis();
        FakeOllama ollama = new FakeOllama()) {
      ollama.setDefault(FakeReply.proposal("restart", 0.9, false, null));
      // 5 s: a Lease left to expire could not change hands within 3 s of the SIGTERM (the leader
      // renews every second until it stops), so a hand-over that fast is the release's doing.
      Map<String, String> env = env(redis, ollama, ns, 5);
      Path log = tmp.resolve("operators.log");
      try (OperatorProcess a = OperatorProcess.start(kubeconfig, env, log);
          OperatorProcess b = OperatorProcess.start(kubeconfig, env, log)) {
        try {
          await()
              .atMost(Duration.ofSeconds(60))
              .until(() -> a.readyAsLeader() || b.readyAsLeader());
          OperatorProcess leader = a.readyAsLeader() ? a : b;
          OperatorProcess standby = leader == a ? b : a;
          await().atMost(Duration.ofSeconds(60)).until(() -> standby.status("/readyz") == 200);
          // Let the standby's elector find the Lease held and settle into its retries.
          await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
          assertThat(standby.readyAsLeader()).isFalse();

          String before = holder(ns);
          long t0 = System.nanoTime();
          leader.sigterm();
          await()
              .atMost(Duration.ofSeconds(20))
              .pollInterval(Duration.ofMillis(20))
              .until(
                  () -> {
                    String h = holder(ns);
                    return h != null && !h.isEmpty() && !h.equals(before);
                  });
          long ms = (System.nanoTime() - t0) / 1_000_000;
          await()
              .atMost(Duration.ofSeconds(20))
              .pollInterval(Duration.ofMillis(20))
              .until(standby::readyAsLeader);
          long readyMs = (System.nanoTime() - t0) / 1_000_000;
          System.out.println(
              "hand-over after SIGTERM: leads " + ms + " ms, ready " + readyMs + " ms");
          assertThat(ms)
              .as("ms from the leader's SIGTERM until the standby holds the Lease")
              .isLessThan(3000);
          // Then its intake starts (informers synced, Redis subscribed): on a busy machine this
          // adds a second or two.
          assertThat(readyMs).as("ms until the standby is ready as leader").isLessThan(8000);
          // 143: the JVM's exit status after SIGTERM once the shutdown hook has run.
          assertThat(leader.awaitExit(Duration.ofSeconds(30))).isEqualTo(OptionalInt.of(143));
        } catch (AssertionError | RuntimeException e) {
          printTail(log);
          throw e;
        }
      }
    }
  }

  @Test
  void aRunProcessWhoseLeaseIsTakenExitsWithOne() throws Exception {
    TestKube.installCrd(client);
    TestKube.allowLeaseAccess(server);
    String ns = "halt";
    Path kubeconfig = OperatorProcess.kubeconfig(client, tmp, ns);
    Path log = tmp.resolve("halt.log");
    try (TestRedis redis = new TestRedis();
        FakeOllama ollama = new FakeOllama();
        OperatorProcess p = OperatorProcess.start(kubeconfig, env(redis, ollama, ns, 2), log)) {
      try {
        await().atMost(Duration.ofSeconds(60)).until(p::readyAsLeader);
        long t0 = System.nanoTime();
        takeLeaseUntil(ns, () -> !p.alive());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("exit after the Lease was taken: " + ms + " ms");
        assertThat(p.awaitExit(Duration.ofSeconds(1))).isEqualTo(OptionalInt.of(1));
        // The lease of 2 s is renewed every 0.4 s: the loss is seen at the next renewal.
        assertThat(ms).isLessThan(2000);
      } catch (AssertionError | RuntimeException e) {
        printTail(log);
        throw e;
      }
    }
  }

  static void printTail(Path log) throws java.io.IOException {
    if (Files.exists(log)) {
      List<String> lines = Files.readAllLines(log);
      System.err.println("---- operator log (last 80 lines) ----");
      lines.subList(Math.max(0, lines.size() - 80), lines.size()).forEach(System.err::println);
    }
  }
}
