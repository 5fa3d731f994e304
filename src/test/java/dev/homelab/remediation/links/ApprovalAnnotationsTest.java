package dev.homelab.remediation.links;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.links.ApprovalAnnotations.Outcome;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestProposals;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who may be decided ({@code judge}, pure), and the merge patch against the mock API server. */
@MockKube
class ApprovalAnnotationsTest {
  static final Instant NOW = Instant.parse("2026-05-27T18:00:00Z");
  static KubernetesClient client;
  static io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server;

  static RemediationProposal with(Map<String, String> annotations) {
    RemediationProposal p = TestProposals.awaitingApproval();
    p.getMetadata().setAnnotations(new HashMap<>(annotations));
    return p;
  }

  @Test
  void onlyAProposalAwaitingApprovalWithoutADecisionMayBeDecided() {
    String uid = TestProposals.UID;
    assertThat(ApprovalAnnotations.judge(null, uid, NOW)).isEqualTo(Outcome.NOT_FOUND);
    assertThat(ApprovalAnnotations.judge(TestProposals.awaitingApproval(), uid, NOW))
        .isEqualTo(Outcome.DECIDED);
    assertThat(ApprovalAnnotations.judge(TestProposals.awaitingApproval(), null, NOW))
        .isEqualTo(Outcome.DECIDED);
    assertThat(ApprovalAnnotations.judge(TestProposals.awaitingApproval(), "another-uid", NOW))
        .isEqualTo(Outcome.RECREATED);
    for (Phase phase : Phase.values()) {
      if (phase != Phase.AwaitingApproval) {
        assertThat(ApprovalAnnotations.judge(TestProposals.proposal(phase), uid, NOW))
            .as(phase.name())
            .isEqualTo(Outcome.NOT_AWAITING);
      }
    }
    assertThat(ApprovalAnnotations.judge(TestProposals.proposal(null), uid, NOW))
        .isEqualTo(Outcome.NOT_AWAITING);
    assertThat(
            ApprovalAnnotations.judge(
                with(Map.of("remediation.homelab.dev/approval", "approved")), uid, NOW))
        .isEqualTo(Outcome.ALREADY_DECIDED);
    assertThat(
            ApprovalAnnotations.judge(
                with(Map.of("remediation.homelab.dev/approval", "rejected")), uid, NOW))
        .isEqualTo(Outcome.ALREADY_DECIDED);
    // An early annotation removed, but not yet seen gone by the operator (status.staleApproval
    // still set): a new one would be read as the early one, so none is written yet.
    RemediationProposal removedEarly = TestProposals.awaitingApproval();
    removedEarly.getStatus().setStaleApproval("approved");
    assertThat(ApprovalAnnotations.judge(removedEarly, uid, NOW))
        .isEqualTo(Outcome.STALE_NOT_CLEARED);
    removedEarly.getMetadata().setAnnotations(Map.of("remediation.homelab.dev/approval", "maybe"));
    assertThat(ApprovalAnnotations.judge(removedEarly, uid, NOW))
        .as("changed to a value that decides nothing: the operator never clears it, so replaceable")
        .isEqualTo(Outcome.DECIDED);
    removedEarly.getMetadata().setAnnotations(null);
    removedEarly.getStatus().setStaleApproval("");
    assertThat(ApprovalAnnotations.judge(removedEarly, uid, NOW)).isEqualTo(Outcome.DECIDED);
    // A value that decides nothing ("yes" is no value of SPEC §6) may be replaced by one that does.
    for (String nothing : new String[] {"maybe", "yes", "no"}) {
      assertThat(
              ApprovalAnnotations.judge(
                  with(Map.of("remediation.homelab.dev/approval", nothing)), uid, NOW))
          .as(nothing)
          .isEqualTo(Outcome.DECIDED);
    }
  }

  /**
   * Past the expiry the operator recorded, a proposal whose phase still says AwaitingApproval (the
   * operator down, or not yet looked) is not decided: the operator would mark it Expired and ignore
   * the annotation.
   */
  @Test
  void aProposalPastItsRecordedExpiryIsExpiredThoughItsPhaseStillWaits() {
    RemediationProposal p = TestProposals.awaitingApproval();
    p.getStatus().setExpiresAt(NOW.toString());
    assertThat(ApprovalAnnotations.judge(p, null, NOW)).isEqualTo(Outcome.EXPIRED);
    assertThat(ApprovalAnnotations.judge(p, null, NOW.plusSeconds(3600)))
        .isEqualTo(Outcome.EXPIRED);
    // In its last seconds a decision could reach the operator after the expiry: too late, said so.
    assertThat(ApprovalAnnotations.judge(p, null, NOW.minusMillis(1))).isEqualTo(Outcome.EXPIRING);
    assertThat(ApprovalAnnotations.judge(p, null, NOW.minus(ApprovalAnnotations.DECISION_MARGIN)))
        .isEqualTo(Outcome.EXPIRING);
    assertThat(
            ApprovalAnnotations.judge(
                p, null, NOW.minus(ApprovalAnnotations.DECISION_MARGIN).minusMillis(1)))
        .isEqualTo(Outcome.DECIDED);
    // Not a time (edited by hand): the operator's phase decides.
    p.getStatus().setExpiresAt("soon");
    assertThat(ApprovalAnnotations.judge(p, null, NOW)).isEqualTo(Outcome.DECIDED);
  }

  @Test
  void aProposalChangedBetweenReadAndWriteIsReadAndJudgedAgain() throws InterruptedException {
    TestKube.installCrd(client);
    String ns = "conflict";
    RemediationProposal p = TestProposals.awaitingApproval();
    p.getMetadata().setNamespace(ns);
    TestKube.put(client, p);
    String path =
        "/apis/remediation.homelab.dev/v1alpha1/namespaces/"
            + ns
            + "/remediationproposals/"
            + p.getMetadata().getName();
    server
        .expect()
        .patch()
        .withPath(path)
        .andReturn(
            409,
            new io.fabric8.kubernetes.api.model.StatusBuilder()
                .withCode(409)
                .withReason("Conflict")
                .build())
        .once();
    TestKube.drainProposalWrites(server);
    ApprovalAnnotations.Result r =
        new ApprovalAnnotations(client, Clock.fixed(NOW, ZoneOffset.UTC))
            .decide(ns, p.getMetadata().getName(), null, Verdict.APPROVE, "alice");
    assertThat(r.outcome()).isEqualTo(Outcome.DECIDED);
    assertThat(TestKube.drainProposalWrites(server))
        .as("the refused patch and the second")
        .isEqualTo(2);
    assertThat(r.proposal().getMetadata().getAnnotations())
        .containsEntry("remediation.homelab.dev/approval", "approved");
  }

  @Test
  void thePatchSetsOnlyTheAnnotationsAndNamesTheVersionItWasReadAt() {
    assertThat(ApprovalAnnotations.patch("42", Verdict.APPROVE, "link:ntfy"))
        .isEqualTo(
            "{\"metadata\":{\"resourceVersion\":\"42\",\"annotations\":{"
                + "\"remediation.homelab.dev/approval\":\"approved\","
                + "\"remediation.homelab.dev/approved-by\":\"link:ntfy\"}}}");
    assertThat(ApprovalAnnotations.patch(null, Verdict.REJECT, null))
        .isEqualTo(
            "{\"metadata\":{\"annotations\":{\"remediation.homelab.dev/approval\":\"rejected\"}}}");
  }

  @Test
  void decideAnnotatesAndKeepsTheStatusAndOtherAnnotations() {
    TestKube.installCrd(client);
    String ns = "decide";
    RemediationProposal p = TestProposals.awaitingApproval();
    p.getMetadata().setNamespace(ns);
    p.getMetadata().setAnnotations(Map.of("example.com/keep", "yes"));
    String uid = TestKube.put(client, p).getMetadata().getUid();

    ApprovalAnnotations a = new ApprovalAnnotations(client, Clock.fixed(NOW, ZoneOffset.UTC));
    assertThat(a.check(ns, p.getMetadata().getName(), uid).outcome()).isEqualTo(Outcome.DECIDED);
    assertThat(a.check(ns, "missing", null).outcome()).isEqualTo(Outcome.NOT_FOUND);
    ApprovalAnnotations.Result r =
        a.decide(ns, p.getMetadata().getName(), uid, Verdict.REJECT, "alice");
    assertThat(r.outcome()).isEqualTo(Outcome.DECIDED);
    RemediationProposal after =
        client
            .resources(RemediationProposal.class)
            .inNamespace(ns)
            .withName(p.getMetadata().getName())
            .get();
    assertThat(after.getMetadata().getAnnotations())
        .containsEntry("example.com/keep", "yes")
        .containsEntry("remediation.homelab.dev/approval", "rejected")
        .containsEntry("remediation.homelab.dev/approved-by", "alice");
    assertThat(after.getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(after.getStatus().getProposal().getAction()).isEqualTo("restart");
    // Acts once.
    assertThat(a.decide(ns, p.getMetadata().getName(), uid, Verdict.APPROVE, "bob").outcome())
        .isEqualTo(Outcome.ALREADY_DECIDED);
    assertThat(a.decide(ns, "missing", null, Verdict.APPROVE, "bob").outcome())
        .isEqualTo(Outcome.NOT_FOUND);

    // The resourceVersion it was read at is a precondition: a stale one is refused (409).
    assertThatThrownBy(
            () ->
                client
                    .resources(RemediationProposal.class)
                    .inNamespace(ns)
                    .withName(p.getMetadata().getName())
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"resourceVersion\":\"1\",\"annotations\":{\"x\":\"y\"}}}"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }
}
