package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.runtime.Intake;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The intake against a real redis-server and the Fabric8 mock API server in CRUD mode. */
@MockKube
class IntakeIT {
  static KubernetesClient client;
  static KubernetesMockServer server;
  static TestRedis redis;
  static final AtomicInteger SEQ = new AtomicInteger();

  String namespace;
  String health;
  String world;
  final List<Intake> intakes = new ArrayList<>();

  @BeforeAll
  static void startRedis() {
    redis = new TestRedis();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @BeforeEach
  void setUp() {
    TestKube.installCrd(client);
    int n = SEQ.incrementAndGet();
    namespace = "intake-" + n;
    health = "health_events_" + n;
    world = "world_updates_" + n;
  }

  @AfterEach
  void tearDown() {
    intakes.forEach(Intake::close);
  }

  Intake intake(Map<String, String> settings) {
    Map<String, String> values = new HashMap<>();
    values.put("REDIS_URL", redis.url());
    values.put("WATCH_NAMESPACE", namespace);
    values.put("HEALTH_CHANNEL", health);
    values.put("WORLD_CHANNEL", world);
    values.put("NODE_NAME", "test");
    values.put("FOLD_FLUSH_MILLIS", "200");
    values.putAll(settings);
    OperatorConfig cfg = OperatorConfig.withDefaults(values);
    Intake intake =
        Intake.start(new Wiring(cfg, client, new SimpleMeterRegistry(), Clock.systemUTC(), false));
    intakes.add(intake);
    await().atMost(Duration.ofSeconds(20)).until(intake::ready);
    return intake;
  }

  Intake intake() {
    return intake(Map.of());
  }

  List<RemediationProposal> proposals() {
    return TestKube.proposals(client, namespace);
  }

  static String shapeA(String node, String service, String type, String ts) {
    return "{\"event_type\":\""
        + type
        + "\",\"node\":\""
        + node
        + "\",\"service\":\""
        + service
        + "\",\"severity\":\"error\",\"message\":\"health check failing\","
        + "\"details\":{\"restart_count\":4},\"timestamp\":\""
        + ts
        + "\",\"agent\":\"v2\"}";
  }

  @Test
  void publishedEventsBecomeProposalsWithTheRightSpec() {
    Intake intake = intake();
    redis.publish(
        health,
        shapeA("chelsty", "zigbee2mqtt", "service_unhealthy", "2026-05-27T17:11:39.123+02:00"));
    redis.publish(
        world,
        "{\"type\":\"container_restarting\",\"svc_key\":\"solaria/ollama\","
            + "\"data\":{\"node\":\"solaria\",\"service\":\"ollama\",\"reason\":\"crash loop\"},\"ts\":1779902000.5}");
    redis.publish(health, "{\"event_type\":\"node_offline\",\"node\":\"Bertha\"}");

    await().atMost(Duration.ofSeconds(20)).until(() -> proposals().size() == 3 && intake.settled());
    Map<String, RemediationProposal> bySvc = new HashMap<>();
    proposals().forEach(p -> bySvc.put(p.getSpec().getSvcKey(), p));

    RemediationProposal a = bySvc.get("chelsty/zigbee2mqtt");
    assertThat(a.getMetadata().getName()).startsWith("chelsty-zigbee2mqtt-");
    assertThat(a.getMetadata().getLabels())
        .containsEntry("remediation.homelab.dev/node", "chelsty")
        .containsEntry("remediation.homelab.dev/service", "zigbee2mqtt");
    assertThat(a.getSpec().getNode()).isEqualTo("chelsty");
    assertThat(a.getSpec().getService()).isEqualTo("zigbee2mqtt");
    assertThat(a.getSpec().getEventType()).isEqualTo("service_unhealthy");
    assertThat(a.getSpec().getSeverity()).isEqualTo("error");
    assertThat(a.getSpec().getSourceChannel()).isEqualTo(health);
    assertThat(a.getSpec().getObservedAt()).isEqualTo("2026-05-27T15:11:39.123Z");
    assertThat(a.getSpec().getDetails().get("restart_count").asInt()).isEqualTo(4);
    assertThat(a.getSpec().getExtra().get("agent").asText()).isEqualTo("v2");

    RemediationProposal b = bySvc.get("solaria/ollama");
    assertThat(b.getSpec().getEventType()).isEqualTo("container_restarting");
    assertThat(b.getSpec().getSourceChannel()).isEqualTo(world);
    assertThat(b.getSpec().getMessage()).isEqualTo("crash loop");
    assertThat(b.getSpec().getObservedAt()).isEqualTo("2026-05-27T17:13:20.500Z");

    RemediationProposal c = bySvc.get("bertha");
    assertThat(c.getSpec().getService()).isNull();
    assertThat(c.getMetadata().getLabels()).doesNotContainKey("remediation.homelab.dev/service");

    await().atMost(Duration.ofSeconds(10)).until(intake::settled);
    // One event each: nothing for the intake to write after its create; the reconciler's first
    // status write records the opening count.
    assertThat(proposals()).allSatisfy(p -> assertThat(p.getStatus()).isNull());
    assertThat(intake.metrics.createdCount()).isEqualTo(3);
  }

  @Test
  void firstSeenAndLastSeenSpanTheObservedTimesOfEventsInThePastAndOutOfOrder() {
    Intake first = intake();
    // Timestamps long past, published out of order: the first one opens the incident.
    for (String ts :
        List.of(
            "2024-03-01T10:05:00Z",
            "2024-03-01T10:01:00Z",
            "2024-03-01T10:09:00Z",
            "2024-03-01T10:03:00Z")) {
      redis.publish(health, shapeA("chelsty", "zigbee2mqtt", "service_unhealthy", ts));
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> first.settled() && proposals().size() == 1 && TestKube.occurrences(only()) == 4);
    assertThat(only().getStatus().getFirstSeen()).isEqualTo("2024-03-01T10:01:00Z");
    assertThat(only().getStatus().getLastSeen()).isEqualTo("2024-03-01T10:09:00Z");

    // After a restart the book is seeded from the cluster, and an earlier event still widens it.
    first.close();
    intakes.remove(first);
    Intake second = intake();
    redis.publish(
        health, shapeA("chelsty", "zigbee2mqtt", "service_unhealthy", "2024-03-01T09:59:00Z"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> second.settled() && TestKube.occurrences(only()) == 5);
    assertThat(only().getStatus().getFirstSeen()).isEqualTo("2024-03-01T09:59:00Z");
    assertThat(only().getStatus().getLastSeen()).isEqualTo("2024-03-01T10:09:00Z");
    assertThat(second.metrics.createdCount()).isZero();
  }

  /**
   * A node agent whose clock runs an hour ahead, and a recovery without a time: the recovery is
   * recorded. The incident's times are taken no later than the events' receipt, so lastSeen stood
   * an hour ahead before, every recovery seemed older than the failure, and the proposal was never
   * Resolved.
   */
  @Test
  void eventsStampedAheadOfTheOperatorsClockDoNotHideALaterRecovery() {
    Intake intake = intake();
    Instant ahead = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
    Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS); // receipt times are in ms
    for (int i = 0; i < 5; i++) {
      String ts = ahead.plusSeconds(i).toString();
      redis.publish(health, shapeA("chelsty", "zigbee2mqtt", "service_unhealthy", ts));
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> intake.settled() && proposals().size() == 1 && TestKube.occurrences(only()) == 5);
    Instant after = Instant.now();
    RemediationProposal p = only();
    assertThat(Instant.parse(p.getSpec().getObservedAt())).isBetween(before, after);
    assertThat(Instant.parse(p.getStatus().getLastSeen())).isBetween(before, after);

    redis.publish(
        health,
        "{\"event_type\":\"service_healthy\",\"node\":\"chelsty\",\"service\":\"zigbee2mqtt\"}");
    await().atMost(Duration.ofSeconds(20)).until(() -> only().getStatus().getRecoveredAt() != null);
    assertThat(Instant.parse(only().getStatus().getRecoveredAt())).isAfter(after);
  }

  RemediationProposal only() {
    List<RemediationProposal> ps = proposals();
    assertThat(ps).hasSize(1);
    return ps.get(0);
  }

  @Test
  void badInputIsRejectedCountedAndTheListenerKeepsGoing() {
    Intake intake = intake(Map.of("MAX_MESSAGE_BYTES", "1024"));
    redis.publish(health, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
    redis.publish(health, "not json at all");
    redis.publish(health, "[1, 2, 3]");
    redis.publish(
        health, "{\"event_type\":\"x\",\"node\":\"a\",\"message\":\"" + "z".repeat(2000) + "\"}");
    redis.publish(health, "{\"event_type\":\"service_unhealthy\",\"service\":\"nobody\"}");
    redis.publish(health, "{\"event_type\":\"x\",\"node\":\"../etc\",\"service\":\"passwd\"}");
    redis.publish(health, "{\"event_type\":\"x\",\"node\":\"a/b\"}");
    redis.publish(health, "{\"event_type\":\"x\",\"node\":\"a b\"}");
    redis.publish(health, "{\"event_type\":\"x\",\"node\":\"ctl\\u0001\"}");
    redis.publish(world, "{\"type\":\"service_healthy\",\"svc_key\":\"a/b\"}");
    redis.publish(health, "{\"event_type\":\"heartbeat\",\"node\":\"a\"}");
    redis.publish(health, shapeA("good", "svc", "service_unhealthy", "2026-05-27T17:11:39Z"));

    await().atMost(Duration.ofSeconds(20)).until(() -> proposals().size() == 1 && intake.settled());
    IntakeMetrics m = intake.metrics;
    assertThat(m.rejectedCount(RejectReason.NOT_UTF8)).isEqualTo(1);
    assertThat(m.rejectedCount(RejectReason.NOT_JSON)).isEqualTo(1);
    assertThat(m.rejectedCount(RejectReason.NOT_OBJECT)).isEqualTo(1);
    assertThat(m.rejectedCount(RejectReason.TOO_LARGE)).isEqualTo(1);
    assertThat(m.rejectedCount(RejectReason.NO_NODE)).isEqualTo(1);
    assertThat(m.rejectedCount(RejectReason.BAD_NAME)).isEqualTo(4);
    assertThat(m.skippedCount()).isEqualTo(2);
    assertThat(m.receivedCount()).isEqualTo(12);
    assertThat(proposals())
        .singleElement()
        .satisfies(p -> assertThat(p.getSpec().getSvcKey()).isEqualTo("good/svc"));
  }

  @Test
  void stormGivesOneProposalPerSvcKeyAndExactOccurrencesWithFewWrites() throws Exception {
    Intake intake = intake();
    TestKube.drainProposalWrites(server);
    String[] services = {"zigbee2mqtt", "home-assistant", "mosquitto"};
    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      String svc = services[i % 3];
      payloads.add(
          ("{\"event_type\":\"service_unhealthy\",\"node\":\"chelsty\",\"service\":\""
                  + svc
                  + "\",\"timestamp\":"
                  + (1779902000L + i)
                  + "}")
              .getBytes(StandardCharsets.UTF_8));
    }
    redis.publishAll(health, payloads);

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> intake.metrics.receivedCount() == 10_000 && intake.settled());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> TestKube.occurrences(client, namespace) == 10_000);
    assertThat(proposals()).hasSize(3);
    assertThat(proposals())
        .extracting(p -> p.getSpec().getService())
        .containsExactlyInAnyOrder(services);
    int writes = TestKube.drainProposalWrites(server);
    assertThat(writes).as("API writes for 10,000 events").isGreaterThanOrEqualTo(3).isLessThan(200);
    assertThat(intake.metrics.foldedCount()).isEqualTo(9_997);
    assertThat(intake.book.size()).isEqualTo(3);
  }

  @Test
  void redisRestartedMidStreamEventsAfterItAreReceived() {
    Intake intake = intake();
    redis.publish(health, shapeA("n1", "before", "service_unhealthy", "2026-05-27T17:11:39Z"));
    await().atMost(Duration.ofSeconds(20)).until(() -> proposals().size() == 1);

    redis.stop();
    await().atMost(Duration.ofSeconds(10)).until(() -> !intake.subscriber.isSubscribed());
    redis.start();
    await().atMost(Duration.ofSeconds(30)).until(intake.subscriber::isSubscribed);

    assertThat(
            redis.publish(
                health, shapeA("n1", "after", "service_unhealthy", "2026-05-27T17:12:00Z")))
        .isEqualTo(1);
    await().atMost(Duration.ofSeconds(20)).until(() -> proposals().size() == 2);
  }

  @Test
  void theSameIncidentPublishedTwiceGivesOneProposal() {
    Intake intake = intake(Map.of("COOLDOWN_SECONDS", "0"));
    String event = shapeA("chelsty", "zigbee2mqtt", "service_unhealthy", "2026-05-27T17:11:39Z");
    redis.publish(health, event);
    await().atMost(Duration.ofSeconds(20)).until(() -> proposals().size() == 1 && intake.settled());
    RemediationProposal first = proposals().get(0);

    // Close it: with no cooldown, the next event would open a new incident, but a redelivery of
    // the very same event must land on the same name.
    closeProposal(first);
    // The intake forgets a closed incident once it is out of the cooldown window.
    await().atMost(Duration.ofSeconds(10)).until(() -> intake.book.size() == 0);
    redis.publish(health, event);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> intake.settled() && TestKube.occurrences(proposals().get(0)) == 2);
    assertThat(proposals())
        .singleElement()
        .satisfies(
            p -> assertThat(p.getMetadata().getName()).isEqualTo(first.getMetadata().getName()));
  }

  @Test
  void twoIntakeInstancesOnTheSameEventsGiveOneProposal() {
    Intake one = intake();
    Intake two = intake();
    for (int i = 0; i < 20; i++) {
      redis.publish(
          health, shapeA("chelsty", "zigbee2mqtt", "service_unhealthy", "2026-05-27T17:11:39Z"));
    }
    redis.publish(world, "{\"type\":\"node_offline\",\"svc_key\":\"solaria\",\"ts\":1779902000}");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> one.settled() && two.settled() && proposals().size() == 2);
    assertThat(proposals())
        .extracting(p -> p.getSpec().getSvcKey())
        .containsExactlyInAnyOrder("chelsty/zigbee2mqtt", "solaria");
  }

  @Test
  void cooldownSurvivesARestartOfTheIntake() {
    Intake first = intake();
    redis.publish(
        health, shapeA("chelsty", "zigbee2mqtt", "service_unhealthy", "2026-05-27T17:11:39Z"));
    await().atMost(Duration.ofSeconds(20)).until(() -> proposals().size() == 1 && first.settled());
    closeProposal(proposals().get(0));
    first.close();
    intakes.remove(first);

    Intake second = intake();
    redis.publish(
        health, shapeA("chelsty", "zigbee2mqtt", "service_unhealthy", "2026-05-27T17:20:00Z"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> second.settled() && TestKube.occurrences(proposals().get(0)) == 2);
    assertThat(proposals()).hasSize(1);
    assertThat(second.metrics.createdCount()).isZero();
  }

  @Test
  void afterTheCooldownAClosedProposalIsFollowedByANewOne() {
    Intake intake = intake(Map.of("COOLDOWN_SECONDS", "1"));
    redis.publish(
        health, shapeA("chelsty", "zigbee2mqtt", "service_unhealthy", "2026-05-27T17:11:39Z"));
    await().atMost(Duration.ofSeconds(20)).until(() -> proposals().size() == 1 && intake.settled());
    closeProposal(proposals().get(0));
    await().atMost(Duration.ofSeconds(10)).until(() -> intake.book.size() == 0);
    redis.publish(
        health, shapeA("chelsty", "zigbee2mqtt", "service_unhealthy", "2026-05-27T17:30:00Z"));
    await().atMost(Duration.ofSeconds(20)).until(() -> proposals().size() == 2);
  }

  @Test
  void aPasswordFromTheSecretIsUsed() {
    try (TestRedis secured = new TestRedis("s3cret-from-a-secret")) {
      Map<String, String> values = new HashMap<>();
      values.put("REDIS_URL", secured.url());
      values.put("REDIS_PASSWORD", "s3cret-from-a-secret");
      values.put("WATCH_NAMESPACE", namespace);
      values.put("HEALTH_CHANNEL", health);
      values.put("WORLD_CHANNEL", world);
      values.put("NODE_NAME", "test");
      Intake intake =
          Intake.start(
              new Wiring(
                  OperatorConfig.withDefaults(values),
                  client,
                  new SimpleMeterRegistry(),
                  Clock.systemUTC(),
                  false));
      intakes.add(intake);
      await().atMost(Duration.ofSeconds(20)).until(intake::ready);
      secured.publish(
          health, shapeA("chelsty", "zigbee2mqtt", "service_unhealthy", "2026-05-27T17:11:39Z"));
      await().atMost(Duration.ofSeconds(20)).until(() -> proposals().size() == 1);
    }
  }

  void closeProposal(RemediationProposal p) {
    client
        .resources(RemediationProposal.class)
        .inNamespace(namespace)
        .withName(p.getMetadata().getName())
        .subresource("status")
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"status\":{\"phase\":\"" + Phase.Dispatched + "\"}}");
    assertThat(
            client
                .resources(RemediationProposal.class)
                .inNamespace(namespace)
                .withName(p.getMetadata().getName())
                .get()
                .getStatus()
                .getPhase())
        .isEqualTo(Phase.Dispatched);
  }
}
