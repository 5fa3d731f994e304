package dev.homelab.remediation.links;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.support.TestProposals;
import org.junit.jupiter.api.Test;

/** What the page after a decision tells the person who pressed the button. */
class PagesTest {

  @Test
  void anApprovedActionIsWrittenAnApprovedIgnoreWritesNothing() {
    RemediationProposal restart = TestProposals.awaitingApproval();
    assertThat(Pages.decided(restart, Verdict.APPROVE, "link:ntfy"))
        .contains("The operator writes the pending action for the executor shortly.");
    RemediationProposal ignore = TestProposals.awaitingApproval();
    ignore.getStatus().getProposal().setAction("ignore");
    assertThat(Pages.decided(ignore, Verdict.APPROVE, "link:ntfy"))
        .contains("It is to do nothing: it closes with nothing written.")
        .doesNotContain("pending action");
    assertThat(Pages.decided(ignore, Verdict.REJECT, "link:ntfy"))
        .contains("Nothing will be done for it.");
  }
}
