package dev.homelab.remediation.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.decision.EventReason;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestClock;
import dev.homelab.remediation.support.TestProposals;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler's Event sender, on the Fabric8 mock API server in CRUD mode: a reconcile does not
 * wait for an Event's write, Events keep the order and the time they were recorded, the queue is
 * bounded and what is queued is sent on close. Each Event costs the same writes as when it was sent
 * from the reconcile.
 */
@MockKube
class QueuedEventRecorderTest {
  static final String NS = "homelab";
  static final String EVENTS = "/api/v1/namespaces/" + NS + "/events";

  KubernetesClient client;
  KubernetesMockServer server;
  final TestClock clock = TestClock.stoppedAt(Instant.parse("2026-12-02T08:00:00Z"));
  QueuedEventRecorder recorder;
  final AtomicBoolean fenced = new AtomicBoolean();

  /** The recorder that sends: its own clock is stopped at the epoch, so a send time shows. */
  KubernetesEventRecorder sender() {
    return new KubernetesEventRecorder(
        client, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), "solaria");
  }

  QueuedEventRecorder recorder(int capacity) {
    return new QueuedEventRecorder(sender(), clock, capacity, fenced::get);
  }

  /** The API server holds the next Event create for {@code millis}, then answers it (unstored). */
  void holdTheNextEventCreate(long millis) {
    server
        .expect()
        .post()
        .delay(millis, TimeUnit.MILLISECONDS)
        .withPath(EVENTS)
        .andReturn(201, created())
        .once();
  }

  /** Runs {@code task} on {@code threads} threads at once and waits for them all. */
  static void runConcurrently(int threads, Runnable task) throws InterruptedException {
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(task);
      thread.start();
      started.add(thread);
    }
    for (Thread t : started) {
      t.join();
    }
  }

  @BeforeEach
  void setUp() throws InterruptedException {
    requests();
  }

  @AfterEach
  void tearDown() {
    if (recorder != null) {
      recorder.close();
    }
  }

  @Test
  void eventsKeepTheTimeTheyWereRecordedAndCostOneWriteEach() throws InterruptedException {
    recorder = recorder(QueuedEventRecorder.DEFAULT_CAPACITY);
    RemediationProposal p = proposal("solaria-zigbee2mqtt-1a2b3c");
    Instant first = clock.instant();
    recorder.record(p, EventReason.Proposed, "asked the model");
    for (int i = 1; i <= 3; i++) {
      clock.advance(Duration.ofSeconds(10));
      recorder.record(p, EventReason.DispatchFailed, "write failed, attempt " + i);
    }
    Instant last = clock.instant();

    await().atMost(Duration.ofSeconds(10)).until(() -> recorder.queued() == 0 && count(p) == 4);
    assertThat(requests()).containsExactly("POST", "POST", "PATCH", "PATCH");
    Event proposed = event(p, EventReason.Proposed);
    assertThat(proposed.getFirstTimestamp()).isEqualTo(first.toString());
    Event failed = event(p, EventReason.DispatchFailed);
    assertThat(failed.getFirstTimestamp()).isEqualTo(first.plusSeconds(10).toString());
    assertThat(failed.getLastTimestamp()).isEqualTo(last.toString());
    assertThat(failed.getMessage()).isEqualTo("write failed, attempt 3");
  }

  @Test
  void aRecordDoesNotWaitForTheApiServer() {
    recorder = recorder(QueuedEventRecorder.DEFAULT_CAPACITY);
    // The API server holds the first Event's create for 3 s.
    holdTheNextEventCreate(3000);
    List<RemediationProposal> proposals = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      RemediationProposal p = proposal("solaria-svc" + i + "-1a2b3c");
      proposals.add(p);
      recorder.record(p, EventReason.Proposed, "asked the model");
    }
    long tookMillis = (System.nanoTime() - t0) / 1_000_000;

    assertThat(tookMillis).as("twenty records behind a held write").isLessThan(2000);
    assertThat(recorder.queued()).isGreaterThan(0);
    // The first was answered by the held reply, the others stored after it.
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> client.v1().events().inNamespace(NS).list().getItems().size() == 19);
  }

  @Test
  void pastItsCapacityARecordWaitsForRoomAndTheOrderIsKept() throws InterruptedException {
    recorder = recorder(2);
    holdTheNextEventCreate(1000);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      RemediationProposal p = proposal("solaria-svc" + i + "-1a2b3c");
      names.add(KubernetesEventRecorder.eventName(p, EventReason.Proposed));
      recorder.record(p, EventReason.Proposed, "asked the model");
    }
    // One sending, two waiting: the last three waited for room (no reconcile writes its own while
    // the sender is busy) and none was sent out of turn.
    await().atMost(Duration.ofSeconds(15)).until(() -> recorder.queued() == 0);
    recorder.close();
    // The first was answered by the held reply; the others were stored one after another.
    List<String> stored =
        client.v1().events().inNamespace(NS).list().getItems().stream()
            .sorted(
                java.util.Comparator.comparingLong(
                    e -> Long.parseLong(e.getMetadata().getResourceVersion())))
            .map(e -> e.getMetadata().getName())
            .toList();
    assertThat(stored).containsExactlyElementsOf(names.subList(1, names.size()));
  }

  @Test
  void closeSendsWhatIsQueuedAndLaterEventsAreSentByTheirCaller() {
    recorder = recorder(QueuedEventRecorder.DEFAULT_CAPACITY);
    holdTheNextEventCreate(500);
    for (int i = 0; i < 4; i++) {
      recorder.record(proposal("solaria-svc" + i + "-1a2b3c"), EventReason.Proposed, "asked");
    }
    recorder.close();
    // The first answered by the held reply; the three behind it were sent before close returned.
    assertThat(client.v1().events().inNamespace(NS).list().getItems()).hasSize(3);

    RemediationProposal late = proposal("solaria-late-1a2b3c");
    recorder.record(late, EventReason.Proposed, "after close");
    assertThat(count(late)).as("sent before record returned").isEqualTo(1);
  }

  @Test
  void aFencedReplicaSendsNoneOfWhatWaitsNorWhatItRecordsAfter() throws InterruptedException {
    recorder = recorder(QueuedEventRecorder.DEFAULT_CAPACITY);
    holdTheNextEventCreate(1000);
    for (int i = 0; i < 4; i++) {
      recorder.record(proposal("solaria-svc" + i + "-1a2b3c"), EventReason.Proposed, "asked");
    }
    // The first is on its way (held by the API server) when the Lease is lost.
    await().atMost(Duration.ofSeconds(5)).until(() -> recorder.queued() == 3);
    fenced.set(true);
    recorder.record(proposal("solaria-late-1a2b3c"), EventReason.Proposed, "after the Lease");
    await().atMost(Duration.ofSeconds(10)).until(() -> recorder.queued() == 0);
    recorder.close();
    assertThat(requests()).containsExactly("POST");
    assertThat(client.v1().events().inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void repeatsFromManyReconcilesCountEveryOneOpenOrClosed() throws Exception {
    recorder = recorder(8);
    RemediationProposal p = proposal("solaria-zigbee2mqtt-1a2b3c");
    Runnable twenty =
        () -> {
          for (int i = 0; i < 20; i++) {
            recorder.record(p, EventReason.DispatchFailed, "write failed");
          }
        };
    runConcurrently(4, twenty);
    recorder.close();
    assertThat(count(p)).as("queued, one write at a time").isEqualTo(80);
    // After close each caller writes its own, still one at a time.
    runConcurrently(4, twenty);
    assertThat(count(p)).as("written by the callers").isEqualTo(160);
    assertThat(client.v1().events().inNamespace(NS).list().getItems()).hasSize(1);
  }

  @Test
  void aReconcileInterruptedOnShutdownStillQueuesItsEventWhenThereIsRoom() {
    recorder = recorder(QueuedEventRecorder.DEFAULT_CAPACITY);
    RemediationProposal p = proposal("solaria-zigbee2mqtt-1a2b3c");
    Thread.currentThread().interrupt();
    try {
      recorder.record(p, EventReason.Proposed, "asked the model");
    } finally {
      assertThat(Thread.interrupted()).as("the interrupt is left to its owner").isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> count(p) == 1);
  }

  @Test
  void whileAnEventWaitsOnlyWhatItNamesOfItsProposalIsKept() {
    RemediationProposal p = TestProposals.withIdentity(NS, "solaria-zigbee2mqtt-1a2b3c", "u-1");
    p.getMetadata().setResourceVersion("42");
    RemediationProposal named = QueuedEventRecorder.named(p);
    assertThat(named.getSpec()).isNull();
    assertThat(named.getStatus()).isNull();
    assertThat(named.getMetadata().getName()).isEqualTo("solaria-zigbee2mqtt-1a2b3c");
    assertThat(named.getMetadata().getNamespace()).isEqualTo(NS);
    assertThat(named.getMetadata().getUid()).isEqualTo("u-1");
    assertThat(named.getMetadata().getResourceVersion()).isEqualTo("42");
    assertThat(named.getKind()).isEqualTo(p.getKind());
    assertThat(named.getApiVersion()).isEqualTo(p.getApiVersion());
    assertThat(KubernetesEventRecorder.eventName(named, EventReason.Proposed))
        .isEqualTo(KubernetesEventRecorder.eventName(p, EventReason.Proposed));
  }

  static RemediationProposal proposal(String name) {
    return TestProposals.withIdentity(NS, name, UUID.randomUUID().toString());
  }

  static Event created() {
    return new EventBuilder().withNewMetadata().withName("held").endMetadata().build();
  }

  Event event(RemediationProposal p, EventReason reason) {
    return client
        .v1()
        .events()
        .inNamespace(NS)
        .withName(KubernetesEventRecorder.eventName(p, reason))
        .get();
  }

  /** The sum of the counts of the Events on {@code p}. */
  int count(RemediationProposal p) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> e.getInvolvedObject().getName().equals(p.getMetadata().getName()))
        .mapToInt(e -> e.getCount() == null ? 0 : e.getCount())
        .sum();
  }

  /** The methods of the writes to Events since the last call. */
  List<String> requests() throws InterruptedException {
    List<String> methods = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      if (r.getPath().contains("/events") && !r.getMethod().equals("GET")) {
        methods.add(r.getMethod());
      }
    }
    return methods;
  }
}
