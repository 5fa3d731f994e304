package dev.homelab.remediation.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.homelab.remediation.api.v1alpha1.NotificationRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.controller.PhaseListener;
import dev.homelab.remediation.support.FakeAlertmanager;
import dev.homelab.remediation.support.FakeNtfy;
import dev.homelab.remediation.support.FakeReceiver;
import dev.homelab.remediation.support.FakeWebhook;
import dev.homelab.remediation.support.TestProposals;
import dev.homelab.remediation.support.TestingNotificationStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The notifier against fake receivers speaking HTTP on loopback: the exact requests, the retries
 * and their bounds, the queue bound, the order of a proposal's notifications, and what it records.
 */
@Timeout(60)
class NotifierTest {
  final FakeWebhook webhook = new FakeWebhook();
  final FakeNtfy ntfy = new FakeNtfy();
  final FakeAlertmanager alertmanager = new FakeAlertmanager();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final TestingNotificationStore store = new TestingNotificationStore();
  final AtomicBoolean fenced = new AtomicBoolean();
  final Clock clock = Clock.fixed(Changes.NOW, ZoneOffset.UTC);
  Notifier notifier;

  @AfterEach
  void tearDown() {
    if (notifier != null) {
      notifier.close();
    }
    webhook.close();
    ntfy.close();
    alertmanager.close();
  }

  Notifier start(Notifier.Sending sending, Duration refresh) {
    return start(
        sending,
        List.of(
            new WebhookTarget(URI.create(webhook.url()), sending.timeout()),
            new NtfyTarget(URI.create(ntfy.url()), Optional.of("tk_test"), sending.timeout()),
            new AlertmanagerTarget(URI.create(alertmanager.url()), refresh, sending.timeout())));
  }

  Notifier start(Notifier.Sending sending, List<NotificationTarget> targets) {
    notifier =
        new Notifier(
            targets, sending, store, Changes.LINKS, Changes.TTL, clock, registry, fenced::get);
    return notifier;
  }

  Notifier start() {
    return start(fast(3), Duration.ofMinutes(5));
  }

  static Notifier.Sending fast(int attempts) {
    return new Notifier.Sending(Duration.ofSeconds(1), attempts, Duration.ofMillis(100), 10);
  }

  double count(String target, String result) {
    Counter c =
        registry
            .find("remediation.notifications")
            .tag("target", target)
            .tag("result", result)
            .counter();
    return c == null ? 0 : c.count();
  }

  NotificationRecord lastWrite() {
    await().atMost(Duration.ofSeconds(10)).until(() -> !store.writes().isEmpty());
    List<TestingNotificationStore.Write> w = store.writes();
    return w.get(w.size() - 1).record();
  }

  /**
   * NOTIFY_ALERTMANAGER_URL given as the base, or as the alerts endpoint itself (with or without a
   * trailing slash): the alert reaches /api/v2/alerts, not .../api/v2/alerts/api/v2/alerts.
   */
  @Test
  void alertmanagerIsReachedOnItsAlertsPathWhetherTheUrlNamesItOrNot() {
    String root = alertmanager.rootUrl();
    List<String> forms =
        List.of(root, root + "/", root + "/api/v2/alerts", root + "/api/v2/alerts/");
    for (int i = 0; i < forms.size(); i++) {
      try (Notifier n =
          new Notifier(
              List.of(
                  new AlertmanagerTarget(
                      URI.create(forms.get(i)), Duration.ofMinutes(5), Duration.ofSeconds(1))),
              fast(1),
              store,
              Changes.LINKS,
              Changes.TTL,
              clock,
              registry,
              fenced::get)) {
        n.changed(Changes.awaiting());
        int sent = i + 1;
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> alertmanager.requests().size() + alertmanager.otherPaths().size() >= sent);
      }
      assertThat(alertmanager.otherPaths()).as(forms.get(i)).isEmpty();
      assertThat(alertmanager.requests()).as(forms.get(i)).hasSize(i + 1);
      assertThat(alertmanager.requests().get(i).path()).isEqualTo("/api/v2/alerts");
    }
  }

  @Test
  void awaitingApprovalReachesEveryTargetAsTheirProtocolsWantIt() {
    start();
    notifier.changed(Changes.awaiting());
    NotificationRecord r = lastWrite();

    assertThat(r.getEvent()).isEqualTo("awaiting_approval");
    assertThat(r.getResult()).isEqualTo("Sent");
    assertThat(r.getTargets()).containsExactly("webhook", "ntfy", "alertmanager");
    assertThat(r.getMessage()).isEqualTo("webhook: sent; ntfy: sent; alertmanager: sent");
    assertThat(r.getAt()).isEqualTo(Changes.NOW.toString());
    assertThat(store.writes().get(0).name()).isEqualTo(TestProposals.NAME);
    assertThat(store.writes().get(0).namespace()).isEqualTo(TestProposals.NAMESPACE);

    FakeReceiver.Request hook = webhook.requests().get(0);
    assertThat(hook.method()).isEqualTo("POST");
    assertThat(hook.header("Content-Type")).isEqualTo("application/json");
    assertThat(hook.json().get("event").asText()).isEqualTo("awaiting_approval");
    assertThat(hook.json().at("/proposal/uid").asText()).isEqualTo(TestProposals.UID);
    assertThat(hook.json().get("approve_url").asText()).contains("/approve/");

    FakeReceiver.Request push = ntfy.requests().get(0);
    assertThat(push.method()).isEqualTo("POST");
    assertThat(push.header("Authorization")).isEqualTo("Bearer tk_test");
    assertThat(push.header("Title")).isEqualTo("Approve restart of solaria/ollama?");
    assertThat(push.header("Priority")).isEqualTo("high");
    assertThat(push.header("Tags")).isEqualTo("warning,solaria,ollama");
    assertThat(FakeNtfy.actions(push.header("Actions")))
        .extracting(FakeNtfy.Action::label, FakeNtfy.Action::type)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Approve", "http"),
            org.assertj.core.groups.Tuple.tuple("Reject", "http"));
    assertThat(push.body()).startsWith("service_unhealthy on solaria/ollama (3 events).");

    List<JsonNode> alerts = alertmanager.alerts();
    assertThat(alerts).hasSize(1);
    assertThat(alerts.get(0).at("/labels/alertname").asText())
        .isEqualTo("RemediationAwaitingApproval");
    assertThat(FakeAlertmanager.resolved(alerts.get(0), Changes.NOW)).isFalse();
    assertThat(alertmanager.otherPaths()).isEmpty();

    for (String t : List.of("webhook", "ntfy", "alertmanager")) {
      assertThat(count(t, "sent")).as(t).isEqualTo(1.0);
      assertThat(count(t, "failed")).as(t).isZero();
    }
  }

  @Test
  void theDecisionFollowsAndResolvesTheAlert() {
    start();
    notifier.changed(Changes.awaiting());
    await().until(() -> store.writes().size() == 1);
    notifier.changed(Changes.leaving(Phase.Approved, "approved", "annotation:alice"));
    await().until(() -> store.writes().size() == 2);

    assertThat(webhook.events()).containsExactly("awaiting_approval", "decided");
    assertThat(webhook.payloads().get(1).get("decision").asText()).isEqualTo("approved");
    assertThat(ntfy.requests().get(1).header("Title"))
        .isEqualTo("Approved: restart of solaria/ollama");
    assertThat(ntfy.requests().get(1).header("Actions")).isNull();
    List<JsonNode> alerts = alertmanager.alerts();
    assertThat(alerts).hasSize(2);
    assertThat(alerts.get(1).get("labels")).isEqualTo(alerts.get(0).get("labels"));
    assertThat(FakeAlertmanager.resolved(alerts.get(1), Changes.NOW)).isTrue();
    assertThat(store.writes().get(1).record().getEvent()).isEqualTo("decided");
  }

  @Test
  void aTargetAnswering500IsTriedTheBoundedNumberOfTimesAndRecordedAsFailed() {
    ntfy.answer(500);
    start();
    long t0 = System.nanoTime();
    notifier.changed(Changes.awaiting());
    NotificationRecord r = lastWrite();

    assertThat(ntfy.requests()).hasSize(3);
    assertThat(r.getResult()).isEqualTo("Failed");
    assertThat(r.getMessage())
        .isEqualTo("webhook: sent; ntfy: failed after 3 attempts (HTTP 500); alertmanager: sent");
    assertThat(count("ntfy", "retried")).isEqualTo(2.0);
    assertThat(count("ntfy", "failed")).isEqualTo(1.0);
    assertThat(count("webhook", "sent")).isEqualTo(1.0);
    // 100 ms, then 200 ms between the three attempts.
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(300));
  }

  /**
   * The price of a receiver that stays down: three waiting proposals, ntfy answering 503 for 3 s.
   * Each notification gets its 2 fast attempts, then the kept ones are tried again at most once per
   * 200 ms period in all (not once each), and each costs one status write.
   */
  @Test
  void aReceiverThatStaysDownCostsOneRequestPerPeriodAndOneWritePerNotification() throws Exception {
    ntfy.answer(503);
    start(
        new Notifier.Sending(Duration.ofSeconds(1), 2, Duration.ofMillis(50), 10, ofMillis(200)),
        Duration.ofMinutes(5));
    long t0 = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      var c = Changes.awaiting();
      c.proposal().getMetadata().setUid("uid-" + i);
      c.proposal().getMetadata().setName("p-" + i);
      notifier.changed(c);
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> store.writes().size() == 3);
    Thread.sleep(Math.max(0, 3000 - (System.nanoTime() - t0) / 1_000_000));
    int requests = ntfy.requests().size();
    long elapsed = (System.nanoTime() - t0) / 1_000_000;

    assertThat(requests).as("fast attempts, then tried again").isGreaterThan(3 * 2 + 3);
    assertThat(requests).isLessThanOrEqualTo(3 * 2 + (int) (elapsed / 200) + 1);
    assertThat(store.writes()).as("one write per notification").hasSize(3);
    assertThat(store.writes())
        .allSatisfy(w -> assertThat(w.record().getResult()).isEqualTo("Failed"));
    assertThat(count("ntfy", "failed")).isEqualTo(3.0);
    assertThat(count("ntfy", "sent")).isZero();
    assertThat(webhook.requests()).hasSize(3);

    // Back up: each kept one goes out once, and is recorded Sent; then nothing more.
    ntfy.answer(200);
    await().atMost(Duration.ofSeconds(3)).until(() -> store.writes().size() == 6);
    assertThat(store.writes().subList(3, 6))
        .allSatisfy(w -> assertThat(w.record().getResult()).isEqualTo("Sent"))
        .extracting(TestingNotificationStore.Write::name)
        .containsExactlyInAnyOrder("p-0", "p-1", "p-2");
    assertThat(count("ntfy", "sent")).isEqualTo(3.0);
    int back = ntfy.requests().size();
    Thread.sleep(600);
    assertThat(ntfy.requests()).hasSize(back);
    assertThat(webhook.requests()).as("the working target is not told again").hasSize(3);
  }

  @Test
  void aNotificationKeptForLaterIsGivenUpWhenTheDecisionOvertakesIt() throws Exception {
    ntfy.answer(503);
    start(
        new Notifier.Sending(Duration.ofSeconds(1), 1, Duration.ofMillis(50), 10, ofMillis(200)),
        Duration.ofMinutes(5));
    notifier.changed(Changes.awaiting());
    await().until(() -> store.writes().size() == 1);
    notifier.changed(Changes.leaving(Phase.Approved, "approved", "annotation:alice"));
    await().until(() -> store.writes().size() == 2);
    ntfy.answer(200);
    await().atMost(Duration.ofSeconds(3)).until(() -> store.writes().size() == 3);
    Thread.sleep(600);
    assertThat(ntfy.requests())
        .extracting(r -> r.header("Title"))
        .filteredOn(t -> t.startsWith("Approve "))
        .as("the awaiting one is not sent after the decision")
        .hasSize(1);
    assertThat(ntfy.requests().get(ntfy.requests().size() - 1).header("Title"))
        .startsWith("Approved: ");
    assertThat(store.writes()).hasSize(3);
    assertThat(store.writes().get(2).record().getEvent()).isEqualTo("decided");
    assertThat(store.writes().get(2).record().getResult()).isEqualTo("Sent");
  }

  /**
   * The decision of a proposal whose awaiting notification is kept for later is dropped, the queue
   * full (another proposal's notification hangs at the receiver): the kept one still never goes out
   * after it.
   */
  @Test
  void aDecisionDroppedWithTheQueueFullStillStopsTheKeptAwaitingOne() throws Exception {
    ntfy.answer(503);
    start(
        new Notifier.Sending(Duration.ofSeconds(1), 1, Duration.ofMillis(50), 1, ofMillis(200)),
        Duration.ofMinutes(5));
    notifier.changed(Changes.awaiting());
    await().until(() -> store.writes().size() == 1); // Failed: kept for later (room for one)
    ntfy.hang();
    notifier.changed(renamed(Changes.awaiting(), "other"));
    await().until(() -> ntfy.requests().stream().anyMatch(r -> carries(r, "tok-other-")));
    notifier.changed(Changes.leaving(Phase.Approved, "approved", "annotation:alice"));
    await().until(() -> count("ntfy", "dropped") == 1.0); // the decision: the queue is full
    int before = ntfy.requests().size();
    ntfy.answer(200);
    Thread.sleep(2000); // the hanging one times out; several periods of trying again pass
    notifier.changed(renamed(Changes.awaiting(), "third"));
    await().until(() -> ntfy.requests().stream().anyMatch(r -> carries(r, "tok-third-")));
    assertThat(ntfy.requests().subList(before, ntfy.requests().size()))
        .as("the receiver is back, and nothing of the decided proposal goes out after it")
        .noneMatch(r -> carries(r, "tok-" + TestProposals.NAME + "-"));
  }

  /** A deletion queues nothing on targets with nothing to take back (it took their places). */
  @Test
  void aDeletionTakesNoPlaceInTheQueueOfATargetThatShowsNothing() {
    webhook.hang();
    start(
        new Notifier.Sending(Duration.ofSeconds(2), 1, Duration.ofMillis(100), 2),
        Duration.ofMinutes(5));
    var first = renamed(Changes.awaiting(), "first");
    notifier.changed(first); // in flight at the hanging webhook
    notifier.deleted(first.proposal());
    notifier.changed(renamed(Changes.awaiting(), "second")); // the second place: not the deletion's
    assertThat(count("webhook", "dropped")).isZero();
  }

  /** Deleted while its notification is kept for later: the person is not told of it any more. */
  @Test
  void aProposalDeletedWhileItsNotificationIsKeptForLaterIsNotToldOfAnyMore() throws Exception {
    ntfy.answer(503);
    start(
        new Notifier.Sending(Duration.ofSeconds(1), 1, Duration.ofMillis(50), 10, ofMillis(200)),
        Duration.ofMinutes(5));
    var c = Changes.awaiting();
    notifier.changed(c);
    await().until(() -> store.writes().size() == 1); // Failed at ntfy: kept for later
    int before = ntfy.requests().size();
    notifier.deleted(c.proposal());
    ntfy.answer(200);
    Thread.sleep(1000); // five periods of trying again, the receiver up
    notifier.changed(renamed(Changes.awaiting(), "third"));
    await().until(() -> ntfy.requests().stream().anyMatch(r -> carries(r, "tok-third-")));
    assertThat(ntfy.requests().subList(before, ntfy.requests().size()))
        .noneMatch(r -> carries(r, "tok-" + TestProposals.NAME + "-"));
  }

  static PhaseListener.Change renamed(PhaseListener.Change c, String name) {
    c.proposal().getMetadata().setUid("uid-" + name);
    c.proposal().getMetadata().setName(name);
    return c;
  }

  static boolean carries(FakeReceiver.Request r, String token) {
    return String.valueOf(r.header("Actions")).contains(token);
  }

  static Duration ofMillis(long ms) {
    return Duration.ofMillis(ms);
  }

  /** A proposal deleted while it waits: its alert is resolved and refreshed no more. */
  @Test
  void aDeletedProposalsAlertIsResolvedAndNoLongerRefreshed() throws Exception {
    start(fast(1), Duration.ofMillis(300));
    var c = Changes.awaiting();
    notifier.changed(c);
    await().until(() -> store.writes().size() == 1);
    notifier.deleted(c.proposal());
    await().atMost(Duration.ofSeconds(2)).until(() -> alertmanager.requests().size() >= 2);
    JsonNode resolved = alertmanager.alerts().get(1);
    assertThat(FakeAlertmanager.resolved(resolved, Changes.NOW)).isTrue();
    assertThat(resolved.at("/annotations/decision").asText()).isEqualTo("deleted");
    Thread.sleep(900);
    assertThat(alertmanager.requests()).hasSize(2);
    assertThat(webhook.requests()).hasSize(1);
    assertThat(store.writes()).hasSize(1);
  }

  @Test
  void aRefusalIsNotRetried() {
    webhook.answer(400);
    start();
    notifier.changed(Changes.awaiting());
    NotificationRecord r = lastWrite();
    assertThat(webhook.requests()).hasSize(1);
    assertThat(r.getMessage()).startsWith("webhook: failed after 1 attempt (HTTP 400)");
  }

  @Test
  void aHangingTargetDelaysOnlyItselfAndIsBoundedByTheTimeout() {
    webhook.hang();
    start(fast(2), Duration.ofMinutes(5));
    long t0 = System.nanoTime();
    notifier.changed(Changes.awaiting());
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .as("changed() returns at once")
        .isLessThan(Duration.ofMillis(200));
    await()
        .atMost(Duration.ofSeconds(1))
        .until(() -> ntfy.requests().size() == 1 && alertmanager.requests().size() == 1);

    NotificationRecord r = lastWrite();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(webhook.requests()).hasSize(2);
    assertThat(r.getMessage())
        .startsWith("webhook: failed after 2 attempts (timed out after 1000 ms)");
    assertThat(count("webhook", "failed")).isEqualTo(1.0);
  }

  /**
   * A decision dropped at a full queue (Alertmanager hangs): the proposal's alert is not refreshed
   * any more, so it resolves by itself within three periods instead of showing it waiting, links
   * and all, until its expiry.
   */
  @Test
  void aDecisionDroppedAtAFullQueueStopsItsAlertBeingRefreshed() {
    alertmanager.hang();
    AlertmanagerTarget am =
        new AlertmanagerTarget(
            URI.create(alertmanager.url()), Duration.ofMinutes(5), Duration.ofSeconds(2));
    start(new Notifier.Sending(Duration.ofSeconds(2), 1, Duration.ofMillis(100), 2), List.of(am));
    var first = Changes.awaiting();
    notifier.changed(first); // in flight, hanging
    await().atMost(Duration.ofSeconds(5)).until(() -> am.waiting().contains(TestProposals.UID));
    var other = Changes.awaiting();
    other.proposal().getMetadata().setUid("uid-other");
    other.proposal().getMetadata().setName("p-other");
    notifier.changed(other); // waiting in the queue
    notifier.changed(Changes.leaving(Phase.Rejected, "rejected", "annotation:alice"));
    assertThat(count("alertmanager", "dropped")).isEqualTo(1.0);
    assertThat(am.waiting()).doesNotContain(TestProposals.UID);
  }

  @Test
  void aFullQueueDropsAndCountsWithoutWaiting() {
    webhook.hang();
    start(
        new Notifier.Sending(Duration.ofSeconds(2), 1, Duration.ofMillis(100), 2),
        Duration.ofMinutes(5));
    long t0 = System.nanoTime();
    for (int i = 0; i < 6; i++) {
      var c = Changes.awaiting();
      c.proposal().getMetadata().setUid("uid-" + i);
      c.proposal().getMetadata().setName("p-" + i);
      notifier.changed(c);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
    // One in flight and one waiting at the hanging webhook: the other four are dropped at once.
    assertThat(count("webhook", "dropped")).isEqualTo(4.0);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> count("ntfy", "sent") + count("ntfy", "dropped") == 6);
    await().atMost(Duration.ofSeconds(10)).until(() -> store.writes().size() == 6);
    assertThat(store.writes())
        .filteredOn(w -> w.name().equals("p-5"))
        .singleElement()
        .satisfies(
            w -> assertThat(w.record().getMessage()).startsWith("webhook: dropped (queue full"));
  }

  @Test
  void aRetryOvertakenByTheDecisionIsGivenUp() throws Exception {
    alertmanager.answer(500);
    start(
        new Notifier.Sending(Duration.ofSeconds(1), 5, Duration.ofMillis(400), 10),
        Duration.ofMinutes(5));
    notifier.changed(Changes.awaiting());
    await().until(() -> alertmanager.requests().size() == 1);
    alertmanager.answer(200);
    notifier.changed(Changes.leaving(Phase.Rejected, "rejected", "annotation"));
    await().until(() -> alertmanager.requests().size() == 2);
    Thread.sleep(1000); // the awaiting retry was due after 400 ms
    assertThat(alertmanager.requests()).hasSize(2);
    assertThat(FakeAlertmanager.resolved(alertmanager.alerts().get(1), Changes.NOW)).isTrue();
    assertThat(count("alertmanager", "superseded")).isEqualTo(1.0);
    await().until(() -> store.writes().size() == 1);
    Thread.sleep(200);
    assertThat(store.writes())
        .singleElement()
        .satisfies(w -> assertThat(w.record().getEvent()).isEqualTo("decided"));
  }

  @Test
  void aFencedReplicaSendsNothing() throws Exception {
    start();
    fenced.set(true);
    notifier.changed(Changes.awaiting());
    notifier.resume();
    Thread.sleep(300);
    assertThat(webhook.requests()).isEmpty();
    assertThat(ntfy.requests()).isEmpty();
    assertThat(store.writes()).isEmpty();
  }

  @Test
  void noTargetsNoWork() {
    notifier =
        new Notifier(
            List.of(),
            fast(1),
            store,
            ApprovalLinks.NONE,
            Changes.TTL,
            clock,
            registry,
            fenced::get);
    notifier.changed(Changes.awaiting());
    notifier.resume();
    assertThat(notifier.targets()).isEmpty();
    assertThat(store.lists()).isZero();
    assertThat(store.writes()).isEmpty();
  }

  @Test
  void resumingTellsADecisionTheStoppedOperatorCouldNotSendAndOnlyThat() {
    NotificationRecord awaitingSent = new NotificationRecord();
    awaitingSent.setEvent("awaiting_approval");
    awaitingSent.setResult("Sent");
    RemediationProposal untold = TestProposals.dispatched();
    untold.getMetadata().setName("untold");
    untold.getMetadata().setUid("uid-untold");
    untold.getStatus().setNotification(awaitingSent);
    NotificationRecord decidedSent = new NotificationRecord();
    decidedSent.setEvent("decided");
    decidedSent.setResult("Sent");
    RemediationProposal told = TestProposals.dispatched();
    told.getMetadata().setName("told");
    told.getMetadata().setUid("uid-told");
    told.getStatus().setNotification(decidedSent);
    store.withProposals(List.of(untold, told));
    start();
    notifier.resume();
    await().until(() -> store.writes().size() == 1);

    assertThat(store.writes().get(0).name()).isEqualTo("untold");
    assertThat(store.writes().get(0).record().getEvent()).isEqualTo("decided");
    assertThat(webhook.payloads())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.get("event").asText()).isEqualTo("decided");
              assertThat(p.at("/proposal/name").asText()).isEqualTo("untold");
            });
  }

  /**
   * Approved, its files not written yet (a full disk): the decision is made, so a restart that
   * finds it told only as waiting tells the decision, though the phase is not final.
   */
  @Test
  void resumingTellsTheDecisionOfAnApprovedProposalWhoseFilesWait() {
    NotificationRecord awaitingSent = new NotificationRecord();
    awaitingSent.setEvent("awaiting_approval");
    awaitingSent.setResult("Sent");
    RemediationProposal approved = TestProposals.approved();
    approved.getMetadata().setName("approved");
    approved.getMetadata().setUid("uid-approved");
    approved.getStatus().setNotification(awaitingSent);
    store.withProposals(List.of(approved));
    start();
    notifier.resume();
    await().atMost(Duration.ofSeconds(10)).until(() -> store.writes().size() == 1);
    assertThat(store.writes().get(0).record().getEvent()).isEqualTo("decided");
    assertThat(webhook.payloads())
        .singleElement()
        .satisfies(p -> assertThat(p.get("event").asText()).isEqualTo("decided"));
  }

  /** A decision made days ago that the stopped operator could not record is no news now. */
  @Test
  void resumingDoesNotPushADecisionDaysOld() throws Exception {
    NotificationRecord awaitingSent = new NotificationRecord();
    awaitingSent.setEvent("awaiting_approval");
    awaitingSent.setResult("Sent");
    RemediationProposal old = TestProposals.dispatched();
    old.getMetadata().setName("old");
    old.getMetadata().setUid("uid-old");
    String daysAgo = Changes.NOW.minus(Duration.ofDays(2)).toString();
    old.getStatus().getDispatch().setAt(daysAgo);
    old.getStatus().setCompletedAt(daysAgo);
    old.getStatus().setNotification(awaitingSent);
    store.withProposals(List.of(old));
    start();
    notifier.resume();
    await().until(() -> store.lists() == 1);
    Thread.sleep(300);
    assertThat(store.writes()).isEmpty();
    assertThat(webhook.requests()).isEmpty();
    assertThat(ntfy.requests()).isEmpty();
  }

  /**
   * The one listing at the start of leading fails (the API server restarting): it is tried again,
   * backing off, until it is read, and what waits is notified then.
   */
  @Test
  void aResumeWhoseListingFailsIsTriedAgain() {
    RemediationProposal never = TestProposals.awaitingApproval();
    never.getMetadata().setName("never");
    never.getMetadata().setUid("uid-never");
    store.withProposals(List.of(never)).failingLists(2);
    start();
    notifier.resumeRetry = Duration.ofMillis(50);
    notifier.resume();
    await().atMost(Duration.ofSeconds(10)).until(() -> store.writes().size() == 1);
    assertThat(store.lists()).isEqualTo(3);
    assertThat(webhook.payloads())
        .singleElement()
        .satisfies(p -> assertThat(p.at("/proposal/name").asText()).isEqualTo("never"));
  }

  @Test
  void resumingNotifiesWhatWasNeverNotifiedAndRefreshesTheRest() {
    RemediationProposal never = TestProposals.awaitingApproval();
    never.getMetadata().setName("never");
    never.getMetadata().setUid("uid-never");
    RemediationProposal told = TestProposals.awaitingApproval();
    told.getMetadata().setName("told");
    told.getMetadata().setUid("uid-told");
    NotificationRecord sent = new NotificationRecord();
    sent.setEvent("awaiting_approval");
    sent.setResult("Sent");
    told.getStatus().setNotification(sent);
    RemediationProposal done = TestProposals.approved();
    done.getMetadata().setName("done");
    store.withProposals(List.of(never, told, done));
    start();
    notifier.resume();
    await().until(() -> store.writes().size() == 1 && alertmanager.requests().size() == 2);

    assertThat(store.lists()).isEqualTo(1);
    assertThat(store.writes().get(0).name()).isEqualTo("never");
    assertThat(webhook.payloads())
        .singleElement()
        .satisfies(p -> assertThat(p.at("/proposal/name").asText()).isEqualTo("never"));
    assertThat(ntfy.requests()).hasSize(1);
    assertThat(alertmanager.alerts())
        .extracting(a -> a.at("/labels/proposal").asText())
        .containsExactlyInAnyOrder("never", "told");
  }

  @Test
  void waitingAlertsAreSentAgainEveryPeriodInOneRequest() {
    start(fast(1), Duration.ofMillis(300));
    notifier.changed(Changes.awaiting());
    var other = Changes.awaiting();
    other.proposal().getMetadata().setUid("uid-2");
    other.proposal().getMetadata().setName("second");
    notifier.changed(other);
    await().atMost(Duration.ofSeconds(5)).until(() -> alertmanager.requests().size() >= 4);
    FakeReceiver.Request refresh = alertmanager.requests().get(2);
    assertThat(refresh.json()).hasSize(2);
    notifier.changed(Changes.leaving(Phase.Expired, "expired", "ttl"));
    notifier.changed(leavingOther(other));
    await().atMost(Duration.ofSeconds(5)).until(() -> store.writes().size() == 4);
    int after = alertmanager.requests().size();
    await()
        .pollDelay(Duration.ofMillis(800))
        .atMost(Duration.ofSeconds(2))
        .until(() -> alertmanager.requests().size() == after);
    assertThat(webhook.events())
        .containsExactly("awaiting_approval", "awaiting_approval", "expired", "expired");
  }

  static dev.homelab.remediation.controller.PhaseListener.Change leavingOther(
      dev.homelab.remediation.controller.PhaseListener.Change awaiting) {
    var c = Changes.leaving(Phase.Expired, "expired", "ttl");
    c.proposal().getMetadata().setUid(awaiting.proposal().getMetadata().getUid());
    c.proposal().getMetadata().setName(awaiting.proposal().getMetadata().getName());
    return c;
  }

  @Test
  void closingWhileATargetHangsTakesAtMostTheGrace() {
    webhook.hang();
    start(
        new Notifier.Sending(Duration.ofSeconds(30), 1, Duration.ofMillis(100), 10),
        Duration.ofMinutes(5));
    notifier.changed(Changes.awaiting());
    await().until(() -> webhook.requests().size() == 1);
    Instant t0 = Instant.now();
    notifier.close();
    notifier = null;
    assertThat(Duration.between(t0, Instant.now())).isLessThan(Duration.ofSeconds(5));
  }
}
