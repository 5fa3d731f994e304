package dev.homelab.remediation.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import dev.homelab.remediation.decision.Sibling;
import dev.homelab.remediation.support.TestProposals;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SiblingsTest {

  static RemediationProposal named(String name, RemediationProposalSpec spec) {
    RemediationProposal p = TestProposals.named("homelab", name, spec);
    p.getMetadata().setCreationTimestamp("2026-05-27T17:11:39Z");
    p.setStatus(TestProposals.status(Phase.AwaitingApproval));
    return p;
  }

  /**
   * A proposal made by hand under a real svcKey (node nas, svcKey chelsty/zigbee2mqtt) is refused:
   * it is no sibling, so it can neither make a real dispatch Recurred nor lend it an answer.
   */
  @Test
  void aRefusedSpecIsNoSibling() {
    RemediationProposal self =
        named("real", TestProposals.spec("chelsty", "zigbee2mqtt", "service_down"));
    RemediationProposal other =
        named("other", TestProposals.spec("chelsty", "zigbee2mqtt", "service_down"));
    RemediationProposalSpec forgedSpec = TestProposals.spec("nas", "whatever", "service_down");
    forgedSpec.setSvcKey("chelsty/zigbee2mqtt");
    RemediationProposal forged = named("forged", forgedSpec);

    List<Sibling> siblings = Siblings.of(self, Stream.of(self, other, forged));
    assertThat(siblings).extracting(Sibling::name).containsExactly("other");
  }
}
