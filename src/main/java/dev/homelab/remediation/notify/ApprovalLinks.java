package dev.homelab.remediation.notify;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import java.util.Optional;

/**
 * The approve and reject links of a proposal that awaits approval, for the notifications' buttons
 * and fields ({@code approve_url}, {@code reject_url}). The links server (SPEC section 10) provides
 * the real one; until it is wired, {@link #NONE} leaves the links out.
 */
public interface ApprovalLinks {

  /** Links are off: notifications carry no links and no buttons. */
  ApprovalLinks NONE =
      new ApprovalLinks() {
        @Override
        public Optional<String> approveUrl(RemediationProposal proposal) {
          return Optional.empty();
        }

        @Override
        public Optional<String> rejectUrl(RemediationProposal proposal) {
          return Optional.empty();
        }
      };

  /**
   * The URL that approves {@code proposal} with a POST; empty when links are off.
   *
   * @param proposal metadata, spec and the status as just written (phase AwaitingApproval, the
   *     proposal with its {@code answeredAt})
   */
  Optional<String> approveUrl(RemediationProposal proposal);

  /** The URL that rejects {@code proposal} with a POST; empty when links are off. */
  Optional<String> rejectUrl(RemediationProposal proposal);
}
