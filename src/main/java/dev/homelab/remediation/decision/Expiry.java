package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * When a proposal that awaits approval expires unless decided: {@code status.expiresAt}, which the
 * operator writes when the proposal starts to wait (the model's answer plus APPROVAL_TTL), so the
 * phase machine, the notifications, the approval links and the CLI (which may run with another
 * APPROVAL_TTL, or none) all go by the same instant. A proposal written before that field existed
 * falls back to its answer plus {@code ttl}.
 */
public final class Expiry {
  private Expiry() {}

  /**
   * How long a proposal with status {@code s} was given to wait: its {@code status.expiresAt} less
   * the answer that started the wait, as the APPROVAL_TTL of the operator that wrote them was then
   * (a restart with another one since changes nothing); empty when either is missing.
   */
  public static Optional<Duration> waitOf(RemediationProposalStatus s) {
    if (s == null || s.getExpiresAt() == null || s.getProposal() == null) {
      return Optional.empty();
    }
    String answered = s.getProposal().getAnsweredAt();
    if (answered == null) {
      return Optional.empty();
    }
    try {
      Duration d = Duration.between(Instant.parse(answered), Instant.parse(s.getExpiresAt()));
      return d.isNegative() ? Optional.empty() : Optional.of(d);
    } catch (DateTimeParseException | ArithmeticException e) {
      return Optional.empty();
    }
  }

  /** The expiry of a proposal with status {@code s}; empty while it has no answer. */
  public static Optional<Instant> of(RemediationProposalStatus s, Duration ttl) {
    if (s == null) {
      return Optional.empty();
    }
    Optional<Instant> recorded = recorded(s);
    if (recorded.isPresent()) {
      return recorded; // else unwritten, or edited by hand into no time: the answer's time says it
    }
    ProposedAction a = s.getProposal();
    if (a == null || a.getAnsweredAt() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(a.getAnsweredAt()).plus(ttl));
    } catch (DateTimeParseException | ArithmeticException e) {
      return Optional.empty();
    }
  }

  /**
   * {@code status.expiresAt} as the operator wrote it, and only that (for a reader that does not
   * know the APPROVAL_TTL): empty when it is missing or not a time.
   */
  public static Optional<Instant> recorded(RemediationProposalStatus s) {
    if (s == null || s.getExpiresAt() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(s.getExpiresAt()));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
