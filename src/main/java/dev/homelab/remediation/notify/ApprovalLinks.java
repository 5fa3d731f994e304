package dev.homelab.remediation.notify;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import java.util.Optional;

/**
 * The approve and reject links of a proposal that awaits approval, for the notifications' buttons
 * and fields ({@code approve_url}, {@code reject_url}). Each target gets links of its own: the
 * target's name is signed into them, and a link's decision records it ({@code
 * approved-by=link:<target>}). The links server (SPEC section 10) provides the real one; {@link
 * #NONE} leaves the links out.
 */
public interface ApprovalLinks {

  /** Links are off: notifications carry no links and no buttons. */
  ApprovalLinks NONE =
      new ApprovalLinks() {
        @Override
        public Optional<String> approveUrl(RemediationProposal proposal, String target) {
          return Optional.empty();
        }

        @Override
        public Optional<String> rejectUrl(RemediationProposal proposal, String target) {
          return Optional.empty();
        }
      };

  /**
   * The URL that approves {@code proposal} with a POST, sent through {@code target}; empty when
   * links are off.
   *
   * @param proposal metadata, spec and the status as just written (phase AwaitingApproval, the
   *     proposal with its {@code answeredAt})
   * @param target the name of the target that carries the link ({@link NotificationTarget#name})
   */
  Optional<String> approveUrl(RemediationProposal proposal, String target);

  /** The URL that rejects {@code proposal} with a POST, sent through {@code target}. */
  Optional<String> rejectUrl(RemediationProposal proposal, String target);
}
