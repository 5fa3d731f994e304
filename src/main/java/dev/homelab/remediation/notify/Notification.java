package dev.homelab.remediation.notify;

import dev.homelab.remediation.api.v1alpha1.ApprovalRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.controller.PhaseListener;
import dev.homelab.remediation.decision.Expiry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One notification of the human loop, with everything the targets put in their messages.
 *
 * @param policyRules the safety policy's rules that changed the model's answer (why a person is
 *     asked, or why the action is only notify); empty when none did
 * @param waitingSince when the proposal started to wait (the model's answer)
 * @param expiresAt when it expires unless decided ({@code waitingSince} plus APPROVAL_TTL)
 * @param decision approved, rejected or expired (another final phase in lower case); null while
 *     awaiting
 * @param decidedBy who decided, as {@code status.approval.by} says; null when unknown
 * @param links the approve and reject links of each target: only while awaiting, and only when
 *     approval links are on
 * @param at when the phase changed
 * @param phase the phase it changed to (for a decision: Dispatched, or Approved while the files
 *     could not be written yet, Ignored for a proposal to do nothing, Rejected)
 */
public record Notification(
    Event event,
    String namespace,
    String name,
    String uid,
    String svcKey,
    String node,
    String service,
    String eventType,
    String action,
    String reason,
    Double confidence,
    String model,
    List<String> policyRules,
    long occurrences,
    Instant waitingSince,
    Instant expiresAt,
    String decision,
    String decidedBy,
    Links links,
    Instant at,
    Phase phase) {

  /**
   * The approve and reject links of a notification, each target's own (its name is signed into
   * them, so a decision by link records which target carried it).
   */
  @FunctionalInterface
  public interface Links {
    /** No links: links are off, or the notification does not await approval. */
    Links NONE = (target, approve) -> Optional.empty();

    /** The link that approves ({@code approve}) or rejects, sent through {@code target}. */
    Optional<String> url(String target, boolean approve);
  }

  /** The link that approves the proposal, for {@code target} to send; empty when there is none. */
  public Optional<String> approveUrl(String target) {
    return links.url(target, true);
  }

  /** The link that rejects the proposal, for {@code target} to send; empty when there is none. */
  public Optional<String> rejectUrl(String target) {
    return links.url(target, false);
  }

  /** What happened, with the name the receivers see. */
  public enum Event {
    AWAITING_APPROVAL("awaiting_approval"),
    DECIDED("decided"),
    EXPIRED("expired");

    private final String wire;

    Event(String wire) {
      this.wire = wire;
    }

    /** The name in payloads and in status.notification.event. */
    public String wire() {
      return wire;
    }
  }

  /**
   * The notification a phase change calls for: entering AwaitingApproval, or leaving it (Expired,
   * or decided: Approved, Rejected, any other phase), or a proposal expiring unanswered from any
   * other phase (Failed: no model answered within APPROVAL_TTL; Pending or Proposing: the operator
   * was away as long; no one was asked, but someone should know); empty for every other change.
   */
  public static Optional<Notification> of(
      PhaseListener.Change change, Duration approvalTtl, ApprovalLinks links, Instant now) {
    Event event;
    if (change.to() == Phase.AwaitingApproval) {
      event = Event.AWAITING_APPROVAL;
    } else if (change.from() == Phase.AwaitingApproval) {
      event = change.to() == Phase.Expired ? Event.EXPIRED : Event.DECIDED;
    } else if (change.to() == Phase.Expired) {
      event = Event.EXPIRED;
    } else {
      return Optional.empty();
    }
    return Optional.of(of(event, written(change), approvalTtl, links, now));
  }

  /** The notification of {@code event} for {@code p} as it is now (metadata, spec, status). */
  public static Notification of(
      Event event, RemediationProposal p, Duration approvalTtl, ApprovalLinks links, Instant at) {
    RemediationProposalSpec spec =
        p.getSpec() == null ? new RemediationProposalSpec() : p.getSpec();
    RemediationProposalStatus s =
        p.getStatus() == null ? new RemediationProposalStatus() : p.getStatus();
    ProposedAction a = s.getProposal() == null ? new ProposedAction() : s.getProposal();
    Instant since = a.getAnsweredAt() == null ? at : Instant.parse(a.getAnsweredAt());
    String decision = null;
    String by = null;
    if (event != Event.AWAITING_APPROVAL) {
      ApprovalRecord r = s.getApproval();
      decision =
          r != null && r.getDecision() != null
              ? r.getDecision()
              : s.getPhase() == null ? null : s.getPhase().name().toLowerCase(Locale.ROOT);
      by = r == null ? null : r.getBy();
    }
    boolean awaiting = event == Event.AWAITING_APPROVAL;
    return new Notification(
        event,
        p.getMetadata().getNamespace(),
        p.getMetadata().getName(),
        p.getMetadata().getUid(),
        spec.getSvcKey(),
        spec.getNode(),
        spec.getService(),
        spec.getEventType(),
        a.getAction(),
        a.getReason(),
        a.getConfidence(),
        a.getModel(),
        a.getPolicyRules() == null ? List.of() : List.copyOf(a.getPolicyRules()),
        s.getOccurrences() == null ? 1 : s.getOccurrences(),
        since,
        a.getAnsweredAt() == null && event == Event.EXPIRED
            ? unansweredExpiry(p, approvalTtl, at)
            : Expiry.of(s, approvalTtl).orElse(since.plus(approvalTtl)),
        decision,
        by,
        awaiting ? linksOf(links, p) : Links.NONE,
        at,
        s.getPhase());
  }

  /** When a proposal no model answered expired: APPROVAL_TTL after its creation. */
  private static Instant unansweredExpiry(RemediationProposal p, Duration ttl, Instant at) {
    try {
      return Instant.parse(p.getMetadata().getCreationTimestamp()).plus(ttl);
    } catch (RuntimeException e) {
      return at; // no creation time to count from: it expired when it was told
    }
  }

  /** True for a proposal that expired with no model's answer (the chain failed until its TTL). */
  public boolean unanswered() {
    return event == Event.EXPIRED && action == null;
  }

  /**
   * The links, signed when a target asks for its own: they keep only what signing reads (the
   * proposal's name, namespace, uid and status), not its spec, whose details can be 64 KiB, since a
   * notification may be kept for hours (an alert refreshed, a retry given up for later).
   */
  private static Links linksOf(ApprovalLinks links, RemediationProposal p) {
    RemediationProposal slim = new RemediationProposal();
    slim.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withNamespace(p.getMetadata().getNamespace())
            .withName(p.getMetadata().getName())
            .withUid(p.getMetadata().getUid())
            .build());
    slim.setStatus(p.getStatus());
    return (target, ok) -> link(links, slim, target, ok);
  }

  private static Optional<String> link(
      ApprovalLinks links, RemediationProposal p, String target, boolean ok) {
    Optional<String> url = ok ? links.approveUrl(p, target) : links.rejectUrl(p, target);
    return url == null ? Optional.empty() : url.filter(u -> !u.isBlank());
  }

  /** The proposal as it is after the write: the fields written laid over the ones seen before. */
  static RemediationProposal written(PhaseListener.Change change) {
    RemediationProposal before = change.proposal();
    RemediationProposalStatus old =
        before.getStatus() == null ? new RemediationProposalStatus() : before.getStatus();
    RemediationProposalStatus w = change.written();
    RemediationProposalStatus s = new RemediationProposalStatus();
    s.setPhase(change.to());
    s.setProposal(w.getProposal() != null ? w.getProposal() : old.getProposal());
    s.setApproval(w.getApproval() != null ? w.getApproval() : old.getApproval());
    s.setExpiresAt(w.getExpiresAt() != null ? w.getExpiresAt() : old.getExpiresAt());
    s.setOccurrences(old.getOccurrences());
    s.setFirstSeen(old.getFirstSeen());
    s.setLastSeen(old.getLastSeen());
    s.setConditions(w.getConditions() != null ? w.getConditions() : old.getConditions());
    s.setNotification(old.getNotification());
    RemediationProposal after = new RemediationProposal();
    after.setMetadata(before.getMetadata());
    after.setSpec(before.getSpec());
    after.setStatus(s);
    return after;
  }

  /** How long after a decision or the expiry its notification is still worth sending. */
  static final Duration LATE_NEWS = Duration.ofHours(1);

  /**
   * Until when this notification, once given up, is still worth trying: while the proposal waits
   * (its expiry) for awaiting_approval, {@link #LATE_NEWS} after the change for the others.
   */
  Instant worthUntil() {
    return event == Event.AWAITING_APPROVAL ? expiresAt : at.plus(LATE_NEWS);
  }

  /** The proposal's svcKey, or its node when the spec has no svcKey. */
  String subject() {
    return svcKey != null ? svcKey : node;
  }
}
