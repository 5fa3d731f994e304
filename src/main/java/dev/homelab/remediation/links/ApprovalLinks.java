package dev.homelab.remediation.links;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.decision.Expiry;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Makes the approve and reject links of a proposal for a notifier to send. A link is {@code
 * <APPROVAL_LINK_BASE_URL>/approve/<token>} (or {@code /reject/}); its token expires when the
 * proposal does (its answer time plus APPROVAL_TTL), so the same proposal always gets the same
 * link, whenever it is made. Every method answers empty when links are off (APPROVAL_LINK_BASE_URL
 * or APPROVAL_LINK_SECRET not set), or when the proposal has no uid or no answer yet.
 *
 * <p>A notifier told of a {@code PhaseListener.Change} holds the proposal as it was before the
 * write; pass the written status too ({@link #approveUrl(RemediationProposal,
 * RemediationProposalStatus, String)}), since the answer time is in it.
 */
public final class ApprovalLinks {
  private static final ApprovalLinks OFF = new ApprovalLinks(null, null, Duration.ZERO);

  private final String baseUrl;
  private final ApprovalTokens tokens;
  private final Duration ttl;

  private ApprovalLinks(String baseUrl, ApprovalTokens tokens, Duration ttl) {
    this.baseUrl = baseUrl;
    this.tokens = tokens;
    this.ttl = ttl;
  }

  /**
   * The links the operator configured with {@code cfg} serves; off unless both settings are set.
   */
  public static ApprovalLinks from(OperatorConfig cfg) {
    if (!cfg.approvalLinksEnabled()) {
      return OFF;
    }
    return of(
        cfg.approvalLinkBaseUrl.orElseThrow(),
        new ApprovalTokens(cfg.approvalLinkSecret.orElseThrow()),
        cfg.approvalTtl);
  }

  /** Links under {@code baseUrl} (no trailing slash) signed by {@code tokens}. */
  public static ApprovalLinks of(String baseUrl, ApprovalTokens tokens, Duration ttl) {
    return new ApprovalLinks(baseUrl, tokens, ttl);
  }

  public static ApprovalLinks off() {
    return OFF;
  }

  public boolean enabled() {
    return baseUrl != null;
  }

  /**
   * The link that approves {@code p}, for the notifier {@code target} (e.g. {@code ntfy}; recorded
   * as {@code approved-by=link:ntfy}).
   *
   * @throws IllegalArgumentException when {@code target} is not 1 to 32 of {@code a-z0-9-}
   */
  public Optional<String> approveUrl(RemediationProposal p, String target) {
    return url(p, p.getStatus(), Verdict.APPROVE, target);
  }

  /** The link that rejects {@code p}; see {@link #approveUrl(RemediationProposal, String)}. */
  public Optional<String> rejectUrl(RemediationProposal p, String target) {
    return url(p, p.getStatus(), Verdict.REJECT, target);
  }

  /** As {@link #approveUrl(RemediationProposal, String)}, reading the answer time from status. */
  public Optional<String> approveUrl(
      RemediationProposal p, RemediationProposalStatus status, String target) {
    return url(p, status, Verdict.APPROVE, target);
  }

  /** As {@link #rejectUrl(RemediationProposal, String)}, reading the answer time from status. */
  public Optional<String> rejectUrl(
      RemediationProposal p, RemediationProposalStatus status, String target) {
    return url(p, status, Verdict.REJECT, target);
  }

  /**
   * When the links of a proposal with this status stop working: when it expires ({@link Expiry}).
   */
  public Optional<Instant> expiresAt(RemediationProposalStatus status) {
    return Expiry.of(status, ttl);
  }

  private Optional<String> url(
      RemediationProposal p, RemediationProposalStatus status, Verdict verdict, String target) {
    if (!ApprovalTokens.validTarget(target)) {
      throw new IllegalArgumentException(
          "link target must be 1 to 32 of a-z, 0-9 and '-', got '" + target + "'");
    }
    if (!enabled() || p == null || p.getMetadata() == null || p.getMetadata().getUid() == null) {
      return Optional.empty();
    }
    Optional<Instant> expires = expiresAt(status);
    if (expires.isEmpty()) {
      return Optional.empty();
    }
    ApprovalTokens.Claims claims;
    try {
      claims =
          new ApprovalTokens.Claims(
              p.getMetadata().getNamespace(),
              p.getMetadata().getName(),
              p.getMetadata().getUid(),
              verdict,
              expires.get(),
              target);
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // not a proposal the operator made (no namespace, odd uid)
    }
    return Optional.of(baseUrl + "/" + verdict.path() + "/" + tokens.sign(claims));
  }
}
