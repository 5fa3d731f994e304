package dev.homelab.remediation.controller;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.decision.Names;
import dev.homelab.remediation.decision.Sibling;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/** The other proposals of a proposal's svcKey, read from the controller's cache. */
final class Siblings {
  private Siblings() {}

  static List<Sibling> of(RemediationProposal self, Stream<RemediationProposal> cached) {
    if (self.getSpec() == null || self.getSpec().getSvcKey() == null) {
      return List.of();
    }
    String svcKey = self.getSpec().getSvcKey();
    String name = self.getMetadata().getName();
    return cached
        .filter(o -> o.getSpec() != null && svcKey.equals(o.getSpec().getSvcKey()))
        // one made by hand with a spec the intake would not write is no incident (refused)
        .filter(o -> Names.problem(o.getMetadata().getName(), o.getSpec()).isEmpty())
        .filter(o -> !Objects.equals(name, o.getMetadata().getName()))
        .map(Siblings::sibling)
        .toList();
  }

  private static Sibling sibling(RemediationProposal o) {
    RemediationProposalStatus s = o.getStatus();
    Instant created =
        o.getMetadata().getCreationTimestamp() == null
            ? Instant.EPOCH
            : Instant.parse(o.getMetadata().getCreationTimestamp());
    if (s == null) {
      return new Sibling(
          o.getMetadata().getName(), created, null, null, null, null, null, null, null);
    }
    return new Sibling(
        o.getMetadata().getName(),
        created,
        s.getPhase(),
        s.getProposal() == null ? null : s.getProposal().getAction(),
        s.getProposal() == null || s.getProposal().getAnsweredAt() == null
            ? null
            : Instant.parse(s.getProposal().getAnsweredAt()),
        s.getDispatch() == null || s.getDispatch().getAt() == null
            ? null
            : Instant.parse(s.getDispatch().getAt()),
        s.getApproval() == null ? null : s.getApproval().getBy(),
        s.getOutcome() == null ? null : s.getOutcome().getResult(),
        s.getOutcome() == null || s.getOutcome().getAt() == null
            ? null
            : Instant.parse(s.getOutcome().getAt()));
  }
}
