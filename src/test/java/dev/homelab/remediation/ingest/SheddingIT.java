package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.OperatorProcess;
import dev.homelab.remediation.support.PipelinedPublisher;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load shedding (issue 16): which messages the intake sheds first when it is behind, and a
 * publisher at full speed that outpaces the intake: the subscription survives and every message is
 * either folded, opened an incident or was shed, counted.
 */
@MockKube(https = false)
class SheddingIT {
  static KubernetesClient client;
  static KubernetesMockServer server;
  static TestRedis redis;
  static final AtomicInteger SEQ = new AtomicInteger();

  String namespace;
  final List<AutoCloseable> closeables = new ArrayList<>();

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
    namespace = "shed-" + SEQ.incrementAndGet();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /** An event of exactly {@link #LENGTH} bytes (the message pads it), so buffer sizes add up. */
  static byte[] event(String service, String severity, String type, int n) {
    String head =
        "{\"event_type\":\""
            + type
            + "\",\"node\":\"bertha\",\"service\":\""
            + service
            + "\",\"severity\":\""
            + severity
            + "\",\"details\":{\"restart_count\":"
            + n
            + ",\"probe\":{\"path\":\"/healthz\",\"codes\":[500,503]}},"
            + "\"timestamp\":\"2026-12-01T10:00:00."
            + String.format("%03d", n % 1000)
            + "Z\",\"message\":\"health check failing";
    return (head + " ".repeat(LENGTH - head.length() - 2) + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  static final int LENGTH = 300;

  static byte[] event(String service, String severity, int n) {
    return event(service, severity, "service_unhealthy", n);
  }

  /** A book on the mock server's namespace (cooldown 300 s, flush every 60 s), closed after. */
  private IncidentBook book(IntakeMetrics metrics) {
    IncidentBook book =
        new IncidentBook(
            new KubernetesProposalStore(client, namespace),
            namespace,
            Clock.systemUTC(),
            Duration.ofSeconds(300),
            Duration.ofSeconds(60),
            metrics,
            BookLimits.DEFAULTS,
            silence -> true);
    closeables.add(book);
    return book;
  }

  /**
   * With the parse workers not started, the buffer only fills: what the reader takes in and what it
   * sheds, message by message, follows the order of IntakePipeline exactly.
   */
  @Test
  void whenBehindTheIntakeShedsRepeatsFirstThenBenignAndInfoThenWarningsAndCriticalLast() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    IntakeMetrics metrics = new IntakeMetrics(registry);
    IncidentBook book = book(metrics);
    // An incident open for bertha/web: its events are repeats.
    book.accept(
        ((ParseOutcome.Accepted)
                new EventParser(65536).parse(event("web", "critical", 0), "h", Instant.now()))
            .event());
    int size = event("web", "critical", 1).length + IntakePipeline.ENTRY_OVERHEAD;
    long buffer = 100L * size;
    IntakePipeline pipeline =
        new IntakePipeline(
            new EventParser(65536), book, metrics, Clock.systemUTC(), 65536, buffer, 1);
    closeables.add(pipeline::abort);
    // What the shedding logs: one line per 10 s at most, however much it sheds.
    ch.qos.logback.classic.Logger log =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(IntakePipeline.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
        new ch.qos.logback.core.read.ListAppender<>();
    lines.start();
    log.addAppender(lines);
    closeables.add(() -> log.detachAppender(lines));

    // Up to half the buffer everything is taken in, repeats too.
    for (int i = 0; i < 50; i++) {
      pipeline.message("h", event("web", "critical", i));
    }
    assertThat(pipeline.bufferedBytes()).isEqualTo(50L * size);
    // Past half: repeats are shed, first events of new svcKeys (info too) still get in.
    for (int i = 0; i < 10; i++) {
      pipeline.message("h", event("web", "critical", i));
      pipeline.message("h", event("info-" + i, "info", i));
      pipeline.message("h", event("warn-" + i, "warning", i));
    }
    assertThat(metrics.shedCount(ShedReason.REPEAT)).isEqualTo(10);
    assertThat(pipeline.bufferedBytes()).isEqualTo(70L * size);
    // Past three quarters: benign and info events are shed (the first two rounds still fit).
    for (int i = 10; i < 20; i++) {
      pipeline.message("h", event("info-" + i, "info", i));
      pipeline.message("h", event("web", "info", "service_healthy", i));
      pipeline.message("h", event("warn-" + i, "warning", i));
    }
    assertThat(metrics.shedCount(ShedReason.INFO)).isEqualTo(8);
    assertThat(metrics.shedCount(ShedReason.BENIGN)).isEqualTo(8);
    assertThat(metrics.shedCount(ShedReason.WARNING)).isZero();
    assertThat(pipeline.bufferedBytes()).isEqualTo(84L * size);
    // Past nine tenths: warnings are shed, criticals get in until the buffer is full.
    for (int i = 20; i < 40; i++) {
      pipeline.message("h", event("warn-" + i, "warning", i));
      pipeline.message("h", event("crit-" + i, "critical", i));
    }
    assertThat(metrics.shedCount(ShedReason.WARNING)).isEqualTo(17);
    assertThat(metrics.shedCount(ShedReason.FULL)).isEqualTo(7);
    assertThat(pipeline.bufferedBytes()).isEqualTo(100L * size);
    assertThat(metrics.receivedCount()).isEqualTo(50 + 30 + 30 + 40);
    assertThat(registry.get("remediation.intake.pressure").gauge().value()).isEqualTo(1.0);
    assertThat(registry.get("remediation.intake.buffer.messages").gauge().value()).isEqualTo(100);
    // 50 messages shed, one line logged.
    assertThat(lines.list)
        .filteredOn(e -> e.getFormattedMessage().contains("sheds events"))
        .hasSize(1);
  }

  /**
   * The parse workers pause for the reader while it is behind in its socket, so that it gets the
   * CPU; but not once their queue is half-way to shedding repeats while Redis holds little for the
   * subscriber: then the pause would only shed, as repeats, what the socket holds.
   */
  @Test
  void theWorkersPauseForABehindReaderUnlessThatWouldOnlyShedWhatItsSocketHolds() {
    IntakeMetrics metrics = new IntakeMetrics(new SimpleMeterRegistry());
    IncidentBook book = book(metrics);
    int size = event("web", "critical", 1).length + IntakePipeline.ENTRY_OVERHEAD;
    IntakePipeline pipeline =
        new IntakePipeline(
            new EventParser(65536), book, metrics, Clock.systemUTC(), 65536, 100L * size, 1);
    closeables.add(pipeline::abort);
    long own = IntakePipeline.FIRST_WORKER_PAUSE_NANOS;
    long level = OutputBufferProbe.DEFAULT_SKIM_ABOVE;
    long socket = 40L * size;
    long behind = 8L * size; // past an eighth: behind; not past a quarter, which skims unprobed

    assertThat(pipeline.pauseBefore(own)).as("the reader keeps up").isZero();
    pipeline.backlog(behind, socket);
    assertThat(pipeline.pauseBefore(own)).as("behind, Redis's figure unknown").isEqualTo(own);
    pipeline.redisOutputBuffer(0, level);
    pipeline.backlog(behind, socket);
    assertThat(pipeline.pauseBefore(own)).as("behind, the queue empty").isEqualTo(own);
    for (int i = 0; i < 25; i++) {
      pipeline.message("h", event("web-" + i, "critical", i));
    }
    assertThat(pipeline.bufferedBytes()).isEqualTo(25L * size);
    pipeline.redisOutputBuffer(0, level); // fresh again (a figure is good for 30 ms here)
    pipeline.backlog(behind, socket);
    assertThat(pipeline.pauseBefore(own))
        .as("a quarter of the buffer: not yet at risk")
        .isEqualTo(own);
    // One more: past a quarter of the buffer, half-way to shedding repeats (at half).
    pipeline.message("h", event("web-25", "critical", 25));
    pipeline.redisOutputBuffer(0, level);
    pipeline.backlog(behind, socket);
    assertThat(pipeline.pauseBefore(own)).as("at risk, Redis holds nothing").isZero();
    pipeline.redisOutputBuffer(level / 2, level);
    pipeline.backlog(behind, socket);
    assertThat(pipeline.pauseBefore(own)).as("Redis holds more than a little").isEqualTo(own);
    pipeline.redisOutputBuffer(level + 1, level);
    pipeline.backlog(behind, socket);
    assertThat(pipeline.pauseBefore(own))
        .as("skimming: every worker the long pause")
        .isEqualTo(IntakePipeline.PAUSE_NANOS);
    pipeline.redisOutputBuffer(0, level);
    pipeline.backlog(0, socket);
    assertThat(pipeline.pauseBefore(own)).as("caught up").isZero();
  }

  /**
   * A publisher pipelining PUBLISH at full speed for 3 s, far faster than the intake parses, into
   * the operator as it ships: its own process with the image's JVM flags (OperatorProcess), so
   * nothing of this test JVM (its collector, its other threads) stands in for the product. The
   * subscription is never lost, the operator received every message Redis delivered, and each one
   * was folded, opened an incident or was shed.
   */
  @Test
  void aFullSpeedPublisherNeverCostsTheSubscriptionAndEveryMessageIsAccountedFor(@TempDir Path tmp)
      throws Exception {
    TestKube.allowLeaseAccess(server);
    Path kubeconfig = OperatorProcess.kubeconfig(client, tmp, namespace);
    String channel = "health_" + namespace;
    Map<String, String> env = new HashMap<>();
    env.put("REDIS_URL", redis.url());
    env.put("WATCH_NAMESPACE", namespace);
    env.put("HEALTH_CHANNEL", channel);
    env.put("WORLD_CHANNEL", "world_" + namespace);
    env.put("NODE_NAME", "test");
    env.put("LLM_CHAIN", "rules");
    env.put("INTAKE_BUFFER_BYTES", Long.toString(1024 * 1024));
    env.put("PENDING_ACTIONS_DIR", Files.createDirectories(tmp.resolve("p")).toString());
    env.put("EVENTS_DIR", Files.createDirectories(tmp.resolve("e")).toString());
    env.put("LOG_LEVEL", "WARN");
    try (OperatorProcess p = OperatorProcess.start(kubeconfig, env, tmp.resolve("operator.log"))) {
      await().atMost(Duration.ofSeconds(60)).until(p::readyAsLeader);

      // A storm on three services, with a first event of a new service every 100 messages.
      List<byte[]> messages = new ArrayList<>();
      for (int i = 0; i < 3_000; i++) {
        messages.add(
            i % 100 == 99
                ? event("new-" + i / 100, "critical", i)
                : event("svc-" + i % 3, "critical", i));
      }
      PipelinedPublisher.Result r =
          PipelinedPublisher.publish(redis.port(), channel, messages, 3, 0, 0);

      assertThat(r.deliveries())
          .as(
              () ->
                  "Redis delivered every message to the operator (else it closed it); the"
                      + " operator logged: "
                      + warnings(tmp.resolve("operator.log")))
          .isEqualTo(r.published());
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> folded(p) + opened(p) + p.shed() >= r.published());
      assertThat(p.metric("remediation_events_received_total")).isEqualTo((double) r.published());
      assertThat(folded(p) + opened(p) + p.shed())
          .as("folded + opened + shed = published")
          .isEqualTo((double) r.published());
      assertThat(p.metric("remediation_redis_reconnects_total")).isZero();
      // The probe reads what Redis holds for the subscriber (the figure it sheds by): drained now.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                double held = p.metric("remediation_redis_output_buffer_bytes");
                return held >= 0 && held < 64 * 1024;
              });
      assertThat(p.shed())
          .as("a full-speed publisher outpaces the parser: some were shed")
          .isPositive();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(
                          TestKube.proposals(client, namespace).stream()
                              .map(x -> x.getSpec().getSvcKey())
                              .collect(Collectors.toSet()))
                      .contains("bertha/svc-0", "bertha/svc-1", "bertha/svc-2")
                      .hasSize((int) opened(p)));
      System.out.printf(
          "full speed: published %d at %.0f/s, folded %.0f, opened %.0f, shed %.0f%n",
          r.published(), r.perSecond(), folded(p), opened(p), p.shed());
    }
  }

  static double folded(OperatorProcess p) {
    return p.metric("remediation_events_folded_total");
  }

  static double opened(OperatorProcess p) {
    return p.metric("remediation_intake_proposals_opened_total");
  }

  /** The operator's warnings and errors (the temporary directory is gone when a CI run reports). */
  private static String warnings(Path log) {
    try (var lines = Files.lines(log)) {
      return lines
          .filter(l -> l.contains(" WARN ") || l.contains(" ERROR "))
          .limit(20)
          .collect(Collectors.joining("\n", "\n", ""));
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return "(no log: " + e + ")";
    }
  }
}
