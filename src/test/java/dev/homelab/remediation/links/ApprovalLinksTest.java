package dev.homelab.remediation.links;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.support.TestProposals;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApprovalLinksTest {
  static final String SECRET = "0123456789abcdef0123456789abcdef";
  static final OperatorConfig ON =
      OperatorConfig.withDefaults(
          Map.of(
              "APPROVAL_LINK_BASE_URL", "https://approve.home.example/ops/",
              "APPROVAL_LINK_SECRET", SECRET,
              "APPROVAL_TTL", "2h"));

  @Test
  void linksCarryASignedTokenForTheProposalTheVerdictAndTheTarget() {
    ApprovalLinks links = ApprovalLinks.from(ON);
    RemediationProposal p = TestProposals.awaitingApproval();
    String approve = links.approveUrl(p, "ntfy").orElseThrow();
    String reject = links.rejectUrl(p, "webhook").orElseThrow();
    assertThat(approve).startsWith("https://approve.home.example/ops/approve/");
    assertThat(reject).startsWith("https://approve.home.example/ops/reject/");

    ApprovalTokens tokens = new ApprovalTokens(SECRET);
    ApprovalTokens.Claims c =
        tokens.verify(approve.substring(approve.lastIndexOf('/') + 1)).orElseThrow();
    assertThat(c.namespace()).isEqualTo(TestProposals.NAMESPACE);
    assertThat(c.name()).isEqualTo(TestProposals.NAME);
    assertThat(c.uid()).isEqualTo(TestProposals.UID);
    assertThat(c.verdict()).isEqualTo(Verdict.APPROVE);
    assertThat(c.target()).isEqualTo("ntfy");
    // Expires with the proposal: its answer time plus APPROVAL_TTL.
    Instant answered = Instant.parse(p.getStatus().getProposal().getAnsweredAt());
    assertThat(c.expiresAt()).isEqualTo(answered.plus(Duration.ofHours(2)));
    assertThat(links.expiresAt(p.getStatus())).contains(answered.plus(Duration.ofHours(2)));
    assertThat(tokens.verify(reject.substring(reject.lastIndexOf('/') + 1)).orElseThrow().verdict())
        .isEqualTo(Verdict.REJECT);
    // The same proposal always gets the same link.
    assertThat(links.approveUrl(p, "ntfy")).contains(approve);
  }

  @Test
  void theAnswerTimeMayComeFromTheWrittenStatus() {
    ApprovalLinks links = ApprovalLinks.from(ON);
    RemediationProposal before = TestProposals.proposal(Phase.Proposing);
    assertThat(links.approveUrl(before, "ntfy")).isEmpty();
    RemediationProposal after = TestProposals.awaitingApproval();
    assertThat(links.approveUrl(before, after.getStatus(), "ntfy"))
        .isEqualTo(links.approveUrl(after, "ntfy"));
    assertThat(links.rejectUrl(before, after.getStatus(), "ntfy"))
        .isEqualTo(links.rejectUrl(after, "ntfy"));
  }

  @Test
  void offWithoutTheSettingsOrWithoutAnAnswer() {
    RemediationProposal p = TestProposals.awaitingApproval();
    ApprovalLinks off = ApprovalLinks.from(OperatorConfig.withDefaults(Map.of()));
    assertThat(off.enabled()).isFalse();
    assertThat(off.approveUrl(p, "ntfy")).isEmpty();
    assertThat(off.rejectUrl(p, "ntfy")).isEmpty();
    assertThat(ApprovalLinks.off().approveUrl(p, "ntfy")).isEmpty();

    ApprovalLinks on = ApprovalLinks.from(ON);
    assertThat(on.enabled()).isTrue();
    assertThat(on.approveUrl(TestProposals.pending(), "ntfy")).isEmpty();
    RemediationProposal noUid = TestProposals.awaitingApproval();
    noUid.getMetadata().setUid(null);
    assertThat(on.approveUrl(noUid, "ntfy")).isEmpty();
  }

  @Test
  void aTargetThatCannotBeRecordedIsAProgrammingError() {
    ApprovalLinks on = ApprovalLinks.from(ON);
    assertThatThrownBy(() -> on.approveUrl(TestProposals.awaitingApproval(), "Ntfy Phone"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
