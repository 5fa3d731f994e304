package dev.homelab.remediation.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.decision.EventReason;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestClock;
import dev.homelab.remediation.support.TestProposals;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Event recorder on the Fabric8 mock API server in CRUD mode: repeats of a reason on a proposal
 * are one Event with a count, each repeat costs one PATCH and no read, and the recorder's memory
 * stays bounded.
 */
@MockKube
class KubernetesEventRecorderTest {
  static final String NS = "homelab";
  static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  KubernetesClient client;
  KubernetesMockServer server;
  final TestClock clock = new TestClock();
  KubernetesEventRecorder recorder;

  @BeforeEach
  void setUp() throws InterruptedException {
    recorder = new KubernetesEventRecorder(client, clock, "solaria");
    drain();
  }

  @Test
  void fiftyRepeatsOfOneReasonAreOneEventWithCountFiftyFromOnePostAndFortyNinePatches()
      throws InterruptedException {
    RemediationProposal p = proposal("solaria-zigbee2mqtt-1a2b3c", UUID.randomUUID().toString());
    for (int i = 1; i <= 50; i++) {
      recorder.record(p, EventReason.DispatchFailed, "write failed, attempt " + i);
      clock.advance(Duration.ofSeconds(2));
    }

    assertThat(drain()).containsExactlyElementsOf(expected(1, 49, 0));
    Event e = only(events());
    assertThat(e.getMetadata().getName())
        .isEqualTo(KubernetesEventRecorder.eventName(p, EventReason.DispatchFailed));
    assertThat(e.getCount()).isEqualTo(50);
    assertThat(e.getReason()).isEqualTo("DispatchFailed");
    assertThat(e.getType()).isEqualTo("Warning");
    assertThat(e.getMessage()).isEqualTo("write failed, attempt 50");
    assertThat(Instant.parse(e.getLastTimestamp()))
        .isAfterOrEqualTo(Instant.parse(e.getFirstTimestamp()))
        .isAfter(Instant.parse(e.getFirstTimestamp()).plusSeconds(90));
    assertThat(e.getInvolvedObject().getUid()).isEqualTo(p.getMetadata().getUid());
    assertThat(e.getInvolvedObject().getKind()).isEqualTo("RemediationProposal");
    assertThat(e.getSource().getComponent()).isEqualTo(KubernetesEventRecorder.COMPONENT);
  }

  @Test
  void twoReasonsAreTwoEvents() {
    RemediationProposal p = proposal("solaria-ollama-9f8e7d", UUID.randomUUID().toString());
    recorder.record(p, EventReason.Proposed, "new");
    recorder.record(p, EventReason.Proposing, "asking");
    recorder.record(p, EventReason.Proposing, "asking again");

    assertThat(events())
        .extracting(Event::getReason, Event::getCount, Event::getMessage)
        .containsExactlyInAnyOrder(
            tuple("Proposed", 1, "new"), tuple("Proposing", 2, "asking again"));
  }

  @Test
  void proposalsOfTheSameNameButAnotherUidHaveTheirOwnEvents() {
    // Deleted and created again (same name, new uid): the new one starts its own Events.
    RemediationProposal first =
        proposal("solaria-redis-5d4c3b", "11111111-2222-4333-8444-555555555555");
    RemediationProposal second =
        proposal("solaria-redis-5d4c3b", "66666666-7777-4888-9999-000000000000");
    recorder.record(first, EventReason.Proposed, "first");
    recorder.record(first, EventReason.Proposed, "first again");
    recorder.record(second, EventReason.Proposed, "second");

    List<Event> events = events();
    assertThat(events).hasSize(2);
    assertThat(events)
        .extracting(e -> e.getInvolvedObject().getUid(), Event::getCount)
        .containsExactlyInAnyOrder(
            tuple(first.getMetadata().getUid(), 2), tuple(second.getMetadata().getUid(), 1));
  }

  @Test
  void aRestartedRecorderContinuesTheCountWithOneGet() throws InterruptedException {
    RemediationProposal p = proposal("solaria-mqtt-0a0b0c", UUID.randomUUID().toString());
    for (int i = 0; i < 3; i++) {
      recorder.record(p, EventReason.ChainFailed, "before the restart");
    }
    drain();

    KubernetesEventRecorder restarted = new KubernetesEventRecorder(client, clock, "solaria");
    restarted.record(p, EventReason.ChainFailed, "after the restart");
    restarted.record(p, EventReason.ChainFailed, "and again");

    // The create conflicts (409), the Event is read once, then patched; the next repeat is a patch.
    assertThat(drain()).containsExactly("POST", "GET", "PATCH", "PATCH");
    Event e = only(events());
    assertThat(e.getCount()).isEqualTo(5);
    assertThat(e.getMessage()).isEqualTo("and again");
  }

  @Test
  void anEventDeletedMeanwhileIsCreatedAgain() throws InterruptedException {
    RemediationProposal p = proposal("solaria-nas-112233", UUID.randomUUID().toString());
    recorder.record(p, EventReason.DispatchFailed, "one");
    recorder.record(p, EventReason.DispatchFailed, "two");
    // The API server's Event TTL (or a person) removes it.
    client
        .v1()
        .events()
        .inNamespace(NS)
        .withName(KubernetesEventRecorder.eventName(p, EventReason.DispatchFailed))
        .delete();
    drain();

    recorder.record(p, EventReason.DispatchFailed, "three");
    recorder.record(p, EventReason.DispatchFailed, "four");

    // The patch answers 404, so a new Event starts; the next repeat patches it.
    assertThat(drain()).containsExactly("PATCH", "POST", "PATCH");
    Event e = only(events());
    assertThat(e.getCount()).isEqualTo(2);
    assertThat(e.getMessage()).isEqualTo("four");
  }

  @Test
  void theCacheStaysBoundedAndAForgottenEventStillCounts() {
    // A small bound keeps this quick (each record is a request to the mock server); the default
    // (2,048) works the same way.
    KubernetesEventRecorder small = new KubernetesEventRecorder(client, clock, "solaria", 64);
    RemediationProposal kept = proposal("solaria-kept-aaaaaa", UUID.randomUUID().toString());
    small.record(kept, EventReason.Retrying, "one");
    for (int i = 0; i < 500; i++) {
      small.record(
          proposal("solaria-svc-" + i, UUID.randomUUID().toString()), EventReason.Proposed, "new");
      assertThat(small.cacheSize()).isLessThanOrEqualTo(64);
    }
    assertThat(small.cacheSize()).isEqualTo(64);

    small.record(kept, EventReason.Retrying, "two"); // forgotten: continued from the API server
    assertThat(
            client
                .v1()
                .events()
                .inNamespace(NS)
                .withName(KubernetesEventRecorder.eventName(kept, EventReason.Retrying))
                .get()
                .getCount())
        .isEqualTo(2);
    assertThat(small.cacheSize()).isEqualTo(64);
  }

  @Test
  void namesAreDeterministicValidAndAtMost253Characters() {
    String uid = "3f2a1b4c-9d8e-4f00-a1b2-c3d4e5f60718";
    RemediationProposal p = proposal("solaria-zigbee2mqtt-1a2b3c", uid);
    assertThat(KubernetesEventRecorder.eventName(p, EventReason.DispatchFailed))
        .isEqualTo("solaria-zigbee2mqtt-1a2b3c.3f2a1b4c.dispatchfailed");

    // The longest name a proposal may have, with a '-' where the cut falls.
    String longName = "a".repeat(224) + "-" + "b".repeat(28);
    assertThat(longName).hasSize(253);
    String name =
        KubernetesEventRecorder.eventName(proposal(longName, uid), EventReason.CoolingDown);
    assertThat(name).hasSizeLessThanOrEqualTo(253).endsWith(".3f2a1b4c.coolingdown");
    assertThat(name).matches(DNS_SUBDOMAIN);
    for (EventReason reason : EventReason.values()) {
      assertThat(KubernetesEventRecorder.eventName(proposal(longName, uid), reason))
          .hasSizeLessThanOrEqualTo(253)
          .matches(DNS_SUBDOMAIN);
    }
  }

  @Test
  void anApiErrorNeverReachesTheCallerAndTheNextRecordStartsAfresh() {
    // 403 (a missing RBAC verb), because Fabric8 retries 5xx answers by itself.
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/" + NS + "/events")
        .andReturn(403, "injected: events is forbidden")
        .once();
    RemediationProposal p = proposal("solaria-x-000000", UUID.randomUUID().toString());
    recorder.record(p, EventReason.Proposed, "the API server answers 403");
    assertThat(recorder.cacheSize()).isZero();
    assertThat(events()).isEmpty();

    recorder.record(p, EventReason.Proposed, "answered");
    assertThat(only(events()).getCount()).isEqualTo(1);
  }

  // ---- helpers

  static RemediationProposal proposal(String name, String uid) {
    return TestProposals.withIdentity(NS, name, uid);
  }

  List<Event> events() {
    return client.v1().events().inNamespace(NS).list().getItems();
  }

  static Event only(List<Event> events) {
    assertThat(events).hasSize(1);
    return events.get(0);
  }

  static List<String> expected(int posts, int patches, int gets) {
    List<String> methods = new ArrayList<>();
    methods.addAll(Collections.nCopies(posts, "POST"));
    methods.addAll(Collections.nCopies(patches, "PATCH"));
    methods.addAll(Collections.nCopies(gets, "GET"));
    return methods;
  }

  /** The methods of the requests made to Events since the last drain, in order. */
  List<String> drain() throws InterruptedException {
    List<String> methods = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      if (r.getPath().contains("/events")) {
        methods.add(r.getMethod());
      }
    }
    return methods;
  }
}
