package dev.homelab.remediation.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.controller.PhaseListener;
import dev.homelab.remediation.support.FakeNtfy;
import dev.homelab.remediation.support.TestProposals;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Which phase changes notify, and what each target's request carries (pure builders). */
class NotificationPayloadsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  // ---- which changes notify

  @Test
  void enteringAwaitingApprovalNotifiesWithTheAnswerJustWritten() {
    Notification n = Changes.awaitingNotification(ApprovalLinks.NONE);
    assertThat(n.event()).isEqualTo(Notification.Event.AWAITING_APPROVAL);
    assertThat(n.action()).isEqualTo("restart");
    assertThat(n.confidence()).isEqualTo(0.5);
    assertThat(n.model()).isEqualTo("ollama/llama3.1:8b");
    assertThat(n.occurrences()).isEqualTo(3);
    assertThat(n.waitingSince()).isEqualTo(Changes.ANSWERED);
    assertThat(n.expiresAt()).isEqualTo(Changes.ANSWERED.plus(Duration.ofHours(24)));
    assertThat(n.decision()).isNull();
    assertThat(n.approveUrl("ntfy")).isEmpty();
    assertThat(n.at()).isEqualTo(Changes.NOW);
  }

  @Test
  void linksAreAskedOfTheProposalAsWrittenAndOnlyWhileAwaiting() {
    Notification awaiting = Changes.awaitingNotification(Changes.LINKS);
    assertThat(awaiting.approveUrl("ntfy"))
        .contains("https://approve.homelab/approve/tok-" + TestProposals.NAME + "-ntfy");
    assertThat(awaiting.rejectUrl("webhook"))
        .contains("https://approve.homelab/reject/tok-" + TestProposals.NAME + "-webhook");
    RemediationProposalStatus[] seen = new RemediationProposalStatus[1];
    ApprovalLinks spy =
        new ApprovalLinks() {
          @Override
          public Optional<String> approveUrl(
              dev.homelab.remediation.api.v1alpha1.RemediationProposal p, String target) {
            seen[0] = p.getStatus();
            return Optional.of("https://a/1");
          }

          @Override
          public Optional<String> rejectUrl(
              dev.homelab.remediation.api.v1alpha1.RemediationProposal p, String target) {
            return Optional.empty();
          }
        };
    Notification.of(Changes.awaiting(), Changes.TTL, spy, Changes.NOW)
        .orElseThrow()
        .approveUrl("x");
    assertThat(seen[0].getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(seen[0].getProposal().getAnsweredAt()).isEqualTo(Changes.ANSWERED.toString());
    assertThat(Changes.decidedNotification("approved", "annotation:alice").approveUrl("ntfy"))
        .isEmpty();
    assertThat(Changes.expiredNotification().rejectUrl("ntfy")).isEmpty();
  }

  @Test
  void leavingAwaitingApprovalIsDecidedOrExpired() {
    Notification approved = Changes.decidedNotification("approved", "annotation:alice");
    assertThat(approved.event()).isEqualTo(Notification.Event.DECIDED);
    assertThat(approved.decision()).isEqualTo("approved");
    assertThat(approved.decidedBy()).isEqualTo("annotation:alice");
    assertThat(approved.action()).isEqualTo("restart"); // from the proposal before the write
    Notification rejected = Changes.decidedNotification("rejected", "annotation");
    assertThat(rejected.event()).isEqualTo(Notification.Event.DECIDED);
    assertThat(rejected.decision()).isEqualTo("rejected");
    Notification expired = Changes.expiredNotification();
    assertThat(expired.event()).isEqualTo(Notification.Event.EXPIRED);
    assertThat(expired.decision()).isEqualTo("expired");
  }

  /**
   * A proposal expiring unanswered, Failed (every model failed) or not yet asked (Pending,
   * Proposing, or no phase: the operator was away for APPROVAL_TTL): nobody was asked, so this is
   * the one word of it.
   */
  @ParameterizedTest
  @EnumSource(
      value = Phase.class,
      names = {"Failed", "Pending", "Proposing"})
  void unansweredExpiryNotifiesWithNoAction(Phase from) {
    unansweredExpiry(from);
  }

  @Test
  void anUnansweredExpiryOfAProposalWithNoPhaseYetNotifies() {
    unansweredExpiry(null);
  }

  private static void unansweredExpiry(Phase from) {
    RemediationProposalStatus w = new RemediationProposalStatus();
    w.setPhase(Phase.Expired);
    PhaseListener.Change c =
        new PhaseListener.Change(TestProposals.proposal(from), from, Phase.Expired, w);
    Notification n = Notification.of(c, Changes.TTL, Changes.LINKS, Changes.NOW).orElseThrow();
    assertThat(n.event()).isEqualTo(Notification.Event.EXPIRED);
    assertThat(n.unanswered()).isTrue();
    assertThat(n.action()).isNull();
    assertThat(n.expiresAt())
        .as("APPROVAL_TTL after creation")
        .isEqualTo(Instant.parse(TestProposals.CREATED).plus(Changes.TTL));
    assertThat(NtfyTarget.title(n)).isEqualTo("Expired, no model answered: solaria/ollama");
  }

  @ParameterizedTest
  @EnumSource(Phase.class)
  void noOtherChangeNotifies(Phase to) {
    for (Phase from : Phase.values()) {
      if (from == Phase.AwaitingApproval || to == Phase.AwaitingApproval || to == Phase.Expired) {
        continue; // these notify (below, and unansweredExpiryNotifiesWithNoAction)
      }
      RemediationProposalStatus w = new RemediationProposalStatus();
      w.setPhase(to);
      PhaseListener.Change c = new PhaseListener.Change(TestProposals.proposal(from), from, to, w);
      assertThat(Notification.of(c, Changes.TTL, Changes.LINKS, Changes.NOW)).isEmpty();
    }
    RemediationProposalStatus w = new RemediationProposalStatus();
    w.setPhase(to);
    PhaseListener.Change fresh =
        new PhaseListener.Change(TestProposals.proposal(null), null, to, w);
    assertThat(Notification.of(fresh, Changes.TTL, Changes.LINKS, Changes.NOW).isPresent())
        .isEqualTo(to == Phase.AwaitingApproval || to == Phase.Expired);
  }

  // ---- webhook

  @Test
  void webhookBodyHasEveryFieldOfTheContract() {
    JsonNode b = WebhookTarget.body(Changes.awaitingNotification(Changes.LINKS));
    assertThat(fieldNames(b))
        .containsExactly(
            "event",
            "proposal",
            "svc_key",
            "node",
            "service",
            "event_type",
            "action",
            "reason",
            "confidence",
            "model",
            "policy_rules",
            "occurrences",
            "expires_at",
            "approve_url",
            "reject_url");
    assertThat(b.get("event").asText()).isEqualTo("awaiting_approval");
    assertThat(fieldNames(b.get("proposal"))).containsExactly("namespace", "name", "uid");
    assertThat(b.at("/proposal/namespace").asText()).isEqualTo(TestProposals.NAMESPACE);
    assertThat(b.at("/proposal/name").asText()).isEqualTo(TestProposals.NAME);
    assertThat(b.at("/proposal/uid").asText()).isEqualTo(TestProposals.UID);
    assertThat(b.get("svc_key").asText()).isEqualTo("solaria/ollama");
    assertThat(b.get("node").asText()).isEqualTo("solaria");
    assertThat(b.get("service").asText()).isEqualTo("ollama");
    assertThat(b.get("event_type").asText()).isEqualTo("service_unhealthy");
    assertThat(b.get("action").asText()).isEqualTo("restart");
    assertThat(b.get("reason").asText()).isEqualTo("health check failing");
    assertThat(b.get("confidence").isNumber()).isTrue();
    assertThat(b.get("confidence").asDouble()).isEqualTo(0.5);
    assertThat(b.get("model").asText()).isEqualTo("ollama/llama3.1:8b");
    assertThat(b.get("policy_rules")).hasSize(1);
    assertThat(b.at("/policy_rules/0").asText()).isEqualTo("low-confidence");
    assertThat(b.get("occurrences").asLong()).isEqualTo(3);
    assertThat(b.get("expires_at").asText()).isEqualTo("2026-05-28T17:11:41Z");
    assertThat(b.get("approve_url").asText())
        .isEqualTo("https://approve.homelab/approve/tok-" + TestProposals.NAME + "-webhook");
  }

  @Test
  void webhookBodyWithoutLinksLeavesThemOutAndADecisionSaysWhich() {
    JsonNode awaiting = WebhookTarget.body(Changes.awaitingNotification(ApprovalLinks.NONE));
    assertThat(fieldNames(awaiting)).doesNotContain("approve_url", "reject_url", "decision");
    JsonNode decided =
        WebhookTarget.body(Changes.decidedNotification("rejected", "annotation:bob"));
    assertThat(decided.get("event").asText()).isEqualTo("decided");
    assertThat(decided.get("decision").asText()).isEqualTo("rejected");
    assertThat(decided.get("decided_by").asText()).isEqualTo("annotation:bob");
    assertThat(fieldNames(decided)).doesNotContain("approve_url", "reject_url");
    JsonNode expired = WebhookTarget.body(Changes.expiredNotification());
    assertThat(expired.get("event").asText()).isEqualTo("expired");
  }

  @Test
  void aNodeLevelIncidentHasANullService() {
    PhaseListener.Change c = Changes.awaiting();
    c.proposal().setSpec(TestProposals.spec("solaria", null, "node_offline"));
    JsonNode b =
        WebhookTarget.body(Notification.of(c, Changes.TTL, ApprovalLinks.NONE, Changes.NOW).get());
    assertThat(b.get("service").isNull()).isTrue();
    assertThat(b.get("svc_key").asText()).isEqualTo("solaria");
  }

  @Test
  void webhookRequestIsAJsonPostToExactlyTheUrl() throws Exception {
    URI url = URI.create("https://hooks.homelab:8443/remediation?token=abc");
    HttpRequest r =
        new WebhookTarget(url, Duration.ofSeconds(3))
            .request(Changes.awaitingNotification(ApprovalLinks.NONE), Changes.NOW);
    assertThat(r.uri()).isEqualTo(url);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    assertThat(r.timeout()).contains(Duration.ofSeconds(3));
    assertThat(JSON.readTree(body(r)).get("event").asText()).isEqualTo("awaiting_approval");
  }

  // ---- ntfy

  @Test
  void ntfyAwaitingHasTitlePriorityTagsAndTwoPostButtons() {
    Notification n = Changes.awaitingNotification(Changes.LINKS);
    var h = NtfyTarget.headers(n);
    assertThat(h.keySet()).containsExactly("Title", "Priority", "Tags", "Actions");
    assertThat(h.get("Title")).isEqualTo("Approve restart of solaria/ollama?");
    assertThat(h.get("Priority")).isEqualTo("high");
    assertThat(h.get("Tags")).isEqualTo("warning,solaria,ollama");
    List<FakeNtfy.Action> buttons = FakeNtfy.actions(h.get("Actions"));
    assertThat(buttons)
        .extracting(FakeNtfy.Action::type, FakeNtfy.Action::label, FakeNtfy.Action::url)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "http",
                "Approve",
                "https://approve.homelab/approve/tok-" + TestProposals.NAME + "-ntfy"),
            org.assertj.core.groups.Tuple.tuple(
                "http",
                "Reject",
                "https://approve.homelab/reject/tok-" + TestProposals.NAME + "-ntfy"));
    assertThat(buttons).allSatisfy(b -> assertThat(b.params()).contains("method=POST"));
    String m = NtfyTarget.message(n);
    assertThat(m)
        .contains("service_unhealthy on solaria/ollama (3 events)")
        .contains("Proposed: restart by ollama/llama3.1:8b, confidence 0.5")
        .contains("Why: health check failing\nPolicy: low-confidence\n")
        .contains("Expires at 2026-05-28T17:11:41Z")
        .contains(
            "kubectl annotate rp -n homelab "
                + TestProposals.NAME
                + " remediation.homelab.dev/approval=approved");
  }

  /**
   * The expiry a notification announces is the one the status holds (status.expiresAt, fixed when
   * the proposal started to wait), not the answer plus the notifier's own APPROVAL_TTL.
   */
  @Test
  void theAnnouncedExpiryIsTheStatusOne() {
    PhaseListener.Change c = Changes.awaiting();
    Instant fixed = Changes.NOW.plusSeconds(240);
    c.written().setExpiresAt(fixed.toString());
    Notification n = Notification.of(c, Changes.TTL, Changes.LINKS, Changes.NOW).orElseThrow();
    assertThat(n.expiresAt()).isEqualTo(fixed);
    assertThat(WebhookTarget.body(n).get("expires_at").asText()).isEqualTo(fixed.toString());
  }

  /** A service that came back by itself is not a decision of anyone's, and ntfy says so. */
  @Test
  void ntfySaysAResolvedProposalRecoveredByItself() {
    Notification n =
        Notification.of(
                Changes.leaving(Phase.Resolved, "resolved", null),
                Changes.TTL,
                Changes.LINKS,
                Changes.NOW)
            .orElseThrow();
    assertThat(n.event()).isEqualTo(Notification.Event.DECIDED);
    assertThat(NtfyTarget.title(n)).isEqualTo("Recovered by itself: solaria/ollama");
    assertThat(NtfyTarget.message(n))
        .isEqualTo("solaria/ollama recovered by itself before any action; nothing is written.");
  }

  @Test
  void ntfyWithoutLinksHasNoButtonsAndDecisionsAreQuiet() {
    assertThat(NtfyTarget.headers(Changes.awaitingNotification(ApprovalLinks.NONE)))
        .doesNotContainKey("Actions");
    Notification approved = Changes.decidedNotification("approved", "annotation:alice");
    var h = NtfyTarget.headers(approved);
    assertThat(h).doesNotContainKey("Actions");
    assertThat(h.get("Title")).isEqualTo("Approved: restart of solaria/ollama");
    assertThat(h.get("Priority")).isEqualTo("default");
    assertThat(h.get("Tags")).startsWith("white_check_mark,");
    assertThat(NtfyTarget.message(approved))
        .isEqualTo("Approved by annotation:alice; the pending action is written for the executor.");
    Notification rejected = Changes.decidedNotification("rejected", "annotation");
    assertThat(NtfyTarget.headers(rejected).get("Title")).startsWith("Rejected: ");
    assertThat(NtfyTarget.message(rejected))
        .isEqualTo("Rejected by annotation; nothing is written.");
    Notification expired = Changes.expiredNotification();
    assertThat(NtfyTarget.headers(expired).get("Title"))
        .isEqualTo("Expired: restart of solaria/ollama");
    assertThat(NtfyTarget.headers(expired).get("Tags")).startsWith("hourglass,");
  }

  /** The message says what became of the approval: written, not written yet, nothing to write. */
  @Test
  void anApprovalWhoseFilesAreNotWrittenYetDoesNotSayTheyAre() {
    Notification failedWrite =
        Changes.decidedNotification(Phase.Approved, "approved", "annotation:frank");
    assertThat(NtfyTarget.message(failedWrite))
        .startsWith("Approved by annotation:frank; the pending action could not be written yet")
        .contains("kubectl describe rp -n " + failedWrite.namespace() + " " + failedWrite.name());
    Notification doNothing =
        Changes.decidedNotification(Phase.Ignored, "approved", "annotation:frank");
    assertThat(NtfyTarget.message(doNothing))
        .isEqualTo("Approved by annotation:frank; nothing is written.");
  }

  @Test
  void ntfyRequestCarriesTheTokenAndTheMessageAsBody() throws Exception {
    URI topic = URI.create("http://ntfy.homelab/remediation");
    Notification n = Changes.awaitingNotification(ApprovalLinks.NONE);
    HttpRequest r =
        new NtfyTarget(topic, Optional.of("tk_abc"), Duration.ofSeconds(2)).request(n, Changes.NOW);
    assertThat(r.uri()).isEqualTo(topic);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.headers().firstValue("Authorization")).contains("Bearer tk_abc");
    assertThat(r.headers().firstValue("Title")).contains("Approve restart of solaria/ollama?");
    assertThat(body(r)).isEqualTo(NtfyTarget.message(n));
    HttpRequest anonymous =
        new NtfyTarget(topic, Optional.empty(), Duration.ofSeconds(2)).request(n, Changes.NOW);
    assertThat(anonymous.headers().firstValue("Authorization")).isEmpty();
  }

  @Test
  void ntfyHeadersStayPrintableAsciiAndLinksWithSeparatorsAreQuoted() {
    PhaseListener.Change c = Changes.awaiting();
    c.written().getProposal().setAction("restart\r\nX-Injected: 1");
    ApprovalLinks odd =
        new ApprovalLinks() {
          @Override
          public Optional<String> approveUrl(
              dev.homelab.remediation.api.v1alpha1.RemediationProposal p, String target) {
            return Optional.of("https://a/approve?x=1,2");
          }

          @Override
          public Optional<String> rejectUrl(
              dev.homelab.remediation.api.v1alpha1.RemediationProposal p, String target) {
            return Optional.of("https://a/reject;v=1");
          }
        };
    var h = NtfyTarget.headers(Notification.of(c, Changes.TTL, odd, Changes.NOW).get());
    assertThat(h.get("Title")).doesNotContain("\r", "\n");
    assertThat(FakeNtfy.actions(h.get("Actions")))
        .extracting(FakeNtfy.Action::url)
        .containsExactly("https://a/approve?x=1,2", "https://a/reject;v=1");
  }

  // ---- alertmanager

  @Test
  void alertmanagerAlertHasTheLabelsTheAnnotationsAndAnEnd() {
    Notification n = Changes.awaitingNotification(Changes.LINKS);
    Instant end = Changes.NOW.plus(Duration.ofMinutes(15));
    JsonNode a = AlertmanagerTarget.alert(n, end);
    assertThat(fieldNames(a)).containsExactly("labels", "annotations", "startsAt", "endsAt");
    assertThat(fieldNames(a.get("labels")))
        .containsExactly("alertname", "svc_key", "node", "service", "proposal");
    assertThat(a.at("/labels/alertname").asText()).isEqualTo("RemediationAwaitingApproval");
    assertThat(a.at("/labels/svc_key").asText()).isEqualTo("solaria/ollama");
    assertThat(a.at("/labels/node").asText()).isEqualTo("solaria");
    assertThat(a.at("/labels/service").asText()).isEqualTo("ollama");
    assertThat(a.at("/labels/proposal").asText()).isEqualTo(TestProposals.NAME);
    assertThat(a.at("/annotations/reason").asText()).isEqualTo("health check failing");
    assertThat(a.at("/annotations/policy_rules").asText()).isEqualTo("low-confidence");
    assertThat(a.at("/annotations/approve_url").asText())
        .isEqualTo("https://approve.homelab/approve/tok-" + TestProposals.NAME + "-alertmanager");
    assertThat(a.at("/annotations/reject_url").asText())
        .isEqualTo("https://approve.homelab/reject/tok-" + TestProposals.NAME + "-alertmanager");
    assertThat(a.at("/annotations/summary").asText()).contains("restart", "solaria/ollama");
    assertThat(a.get("startsAt").asText()).isEqualTo(Changes.ANSWERED.toString());
    assertThat(a.get("endsAt").asText()).isEqualTo(end.toString());
  }

  @Test
  void alertmanagerRefreshesWhatWaitsAndResolvesWhatWasDecided() throws Exception {
    Duration every = Duration.ofMinutes(5);
    AlertmanagerTarget am =
        new AlertmanagerTarget(URI.create("http://am:9093/"), every, Duration.ofSeconds(2));
    assertThat(am.url()).isEqualTo(URI.create("http://am:9093/api/v2/alerts"));
    assertThat(am.refreshEvery()).contains(every);
    assertThat(am.refresh(Changes.NOW)).isEmpty();

    HttpRequest fire = am.request(Changes.awaitingNotification(ApprovalLinks.NONE), Changes.NOW);
    assertThat(fire.uri()).isEqualTo(URI.create("http://am:9093/api/v2/alerts"));
    JsonNode fired = JSON.readTree(body(fire));
    assertThat(fired.isArray()).isTrue();
    assertThat(fired.get(0).get("endsAt").asText())
        .isEqualTo(Changes.NOW.plus(every.multipliedBy(3)).toString());
    assertThat(am.waiting()).containsExactly(TestProposals.UID);

    Instant later = Changes.NOW.plus(every);
    JsonNode again = JSON.readTree(body(am.refresh(later).orElseThrow()));
    assertThat(again).hasSize(1);
    assertThat(again.get(0).get("labels")).isEqualTo(fired.get(0).get("labels"));
    assertThat(again.get(0).get("startsAt")).isEqualTo(fired.get(0).get("startsAt"));
    assertThat(again.get(0).get("endsAt").asText())
        .isEqualTo(later.plus(every.multipliedBy(3)).toString());

    Instant decidedAt = later.plusSeconds(30);
    JsonNode resolve =
        JSON.readTree(
            body(am.request(Changes.decidedNotification("approved", "annotation"), decidedAt)));
    assertThat(resolve.get(0).get("labels")).isEqualTo(fired.get(0).get("labels"));
    assertThat(resolve.get(0).get("endsAt").asText()).isEqualTo(decidedAt.toString());
    assertThat(am.waiting()).isEmpty();
    assertThat(am.refresh(decidedAt.plus(every))).isEmpty();
  }

  @Test
  void alertmanagerForgetsAWaitingProposalAPeriodAfterItsExpiry() {
    Duration every = Duration.ofMinutes(5);
    AlertmanagerTarget am =
        new AlertmanagerTarget(URI.create("http://am:9093"), every, Duration.ofSeconds(2));
    Notification n = Changes.awaitingNotification(ApprovalLinks.NONE);
    am.request(n, Changes.NOW);
    assertThat(am.refresh(n.expiresAt().plus(every))).isPresent();
    assertThat(am.refresh(n.expiresAt().plus(every).plusSeconds(1))).isEmpty();
  }

  @Test
  void aNodeLevelAlertHasNoServiceLabel() {
    PhaseListener.Change c = Changes.awaiting();
    c.proposal().setSpec(TestProposals.spec("solaria", null, "node_offline"));
    Notification n = Notification.of(c, Changes.TTL, ApprovalLinks.NONE, Changes.NOW).get();
    JsonNode a = AlertmanagerTarget.alert(n, Changes.NOW);
    assertThat(fieldNames(a.get("labels"))).doesNotContain("service");
    assertThat(a.at("/labels/svc_key").asText()).isEqualTo("solaria");
  }

  // ---- helpers

  static List<String> fieldNames(JsonNode n) {
    List<String> out = new java.util.ArrayList<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      out.add(it.next());
    }
    return out;
  }

  /** The body a request publishes, read through its BodyPublisher. */
  static String body(HttpRequest r) throws Exception {
    HttpRequest.BodyPublisher p = r.bodyPublisher().orElseThrow();
    CompletableFuture<String> out = new CompletableFuture<>();
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    p.subscribe(
        new Flow.Subscriber<ByteBuffer>() {
          @Override
          public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(ByteBuffer item) {
            byte[] b = new byte[item.remaining()];
            item.get(b);
            bytes.writeBytes(b);
          }

          @Override
          public void onError(Throwable t) {
            out.completeExceptionally(t);
          }

          @Override
          public void onComplete() {
            out.complete(bytes.toString(StandardCharsets.UTF_8));
          }
        });
    return out.get(5, java.util.concurrent.TimeUnit.SECONDS);
  }
}
