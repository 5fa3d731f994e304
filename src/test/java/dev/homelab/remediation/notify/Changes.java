package dev.homelab.remediation.notify;

import dev.homelab.remediation.api.v1alpha1.ApprovalRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.controller.PhaseListener;
import dev.homelab.remediation.support.TestProposals;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Phase changes as the reconciler reports them, and links for tests. */
final class Changes {
  static final Duration TTL = Duration.ofHours(24);
  static final Instant ANSWERED = Instant.parse(TestProposals.CREATED).plusSeconds(1);
  static final Instant NOW = ANSWERED.plusSeconds(5);

  static final ApprovalLinks LINKS =
      new ApprovalLinks() {
        @Override
        public Optional<String> approveUrl(RemediationProposal p, String target) {
          return Optional.of(
              "https://approve.homelab/approve/tok-" + p.getMetadata().getName() + "-" + target);
        }

        @Override
        public Optional<String> rejectUrl(RemediationProposal p, String target) {
          return Optional.of(
              "https://approve.homelab/reject/tok-" + p.getMetadata().getName() + "-" + target);
        }
      };

  private Changes() {}

  /** Proposing → AwaitingApproval, the answer written with it; 3 events folded. */
  static PhaseListener.Change awaiting() {
    RemediationProposal before = TestProposals.proposal(Phase.Proposing);
    before.getStatus().setOccurrences(3L);
    RemediationProposalStatus written = new RemediationProposalStatus();
    written.setPhase(Phase.AwaitingApproval);
    written.setProposal(TestProposals.answered("restart", true));
    written.getProposal().setPolicyRules(java.util.List.of("low-confidence")); // why it waits
    return new PhaseListener.Change(before, Phase.Proposing, Phase.AwaitingApproval, written);
  }

  /** AwaitingApproval → {@code to}, with the approval record the reconciler writes. */
  static PhaseListener.Change leaving(Phase to, String decision, String by) {
    RemediationProposal before = TestProposals.awaitingApproval();
    before.getStatus().setOccurrences(3L);
    RemediationProposalStatus written = new RemediationProposalStatus();
    written.setPhase(to);
    ApprovalRecord a = new ApprovalRecord();
    a.setDecision(decision);
    a.setBy(by);
    a.setAt(NOW.toString());
    written.setApproval(a);
    return new PhaseListener.Change(before, Phase.AwaitingApproval, to, written);
  }

  static Notification awaitingNotification(ApprovalLinks links) {
    return Notification.of(awaiting(), TTL, links, NOW).orElseThrow();
  }

  /** Approved (and so Dispatched: the files written in the same write) or rejected. */
  static Notification decidedNotification(String decision, String by) {
    Phase to = "approved".equals(decision) ? Phase.Dispatched : Phase.Rejected;
    return decidedNotification(to, decision, by);
  }

  static Notification decidedNotification(Phase to, String decision, String by) {
    return Notification.of(leaving(to, decision, by), TTL, LINKS, NOW).orElseThrow();
  }

  static Notification expiredNotification() {
    return Notification.of(leaving(Phase.Expired, "expired", "ttl"), TTL, LINKS, NOW).orElseThrow();
  }
}
