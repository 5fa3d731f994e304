package dev.homelab.remediation.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.api.v1alpha1.ApprovalRecord;
import dev.homelab.remediation.api.v1alpha1.NotificationRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.support.TestProposals;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ResumedTest {
  static final Instant DECIDED = Instant.parse("2026-05-27T18:00:00Z");

  /** A restart tells a decision as of when it was made: its horizon does not move on. */
  @Test
  void aDecisionIsToldAsOfWhenItWasMade() {
    RemediationProposal p = TestProposals.proposal(Phase.Dispatched);
    ApprovalRecord approval = new ApprovalRecord();
    approval.setAt(DECIDED.toString());
    p.getStatus().setApproval(approval);
    p.getStatus().setCompletedAt(DECIDED.plusSeconds(90).toString()); // the files, retried
    Instant restart = DECIDED.plusSeconds(3000);
    assertThat(Resumed.decidedAt(p, restart)).isEqualTo(DECIDED);
    p.getStatus().setApproval(null);
    assertThat(Resumed.decidedAt(p, restart)).isEqualTo(DECIDED.plusSeconds(90));
    p.getStatus().setCompletedAt(null);
    assertThat(Resumed.decidedAt(p, restart)).isEqualTo(restart);
    p.getStatus().setCompletedAt("not a time");
    assertThat(Resumed.decidedAt(p, restart)).isEqualTo(restart);
  }

  @Test
  void theTargetsThatTookItAreReadFromTheRecordsMessage() {
    NotificationRecord r = new NotificationRecord();
    r.setMessage("ntfy: sent; webhook: failed after 5 attempts (HTTP 503); alertmanager: sent");
    assertThat(Resumed.sentBy(r)).containsExactlyInAnyOrder("ntfy", "alertmanager");
    r.setMessage(null);
    assertThat(Resumed.sentBy(r)).isEmpty();
  }
}
