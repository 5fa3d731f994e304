package dev.homelab.remediation.links;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.decision.Approvals;
import dev.homelab.remediation.decision.Expiry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Decides a proposal the way a person does: sets {@code remediation.homelab.dev/approval} (and
 * {@code approved-by}) by a JSON merge patch of {@code metadata.annotations}, the reconciler then
 * acting on it as on any annotation. Only a proposal that awaits approval and carries no decision
 * yet is changed, and only the object that was checked: the patch carries the {@code
 * resourceVersion} it was read at, so a proposal changed or re-created meanwhile is read again.
 * Used by the approval links and the {@code approve}/{@code reject} commands.
 */
public final class ApprovalAnnotations {
  private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);

  /** How long before its expiry a proposal can still be decided (see {@link Outcome#EXPIRING}). */
  public static final java.time.Duration DECISION_MARGIN = java.time.Duration.ofSeconds(5);

  /** What became of a request to decide. Only {@link #DECIDED} changed anything. */
  public enum Outcome {
    DECIDED,
    /** No proposal of that name (deleted, maybe by retention). */
    NOT_FOUND,
    /** A proposal of that name, but another one (another uid): the one asked about is gone. */
    RECREATED,
    /** It does not await approval (it was decided, expired, or is not answered yet). */
    NOT_AWAITING,
    /**
     * It is still AwaitingApproval, but its {@code status.expiresAt} has passed (the operator was
     * down, or has not looked since): the operator marks it Expired and ignores any decision.
     */
    EXPIRED,
    /**
     * It awaits approval, but expires in less than {@link #DECISION_MARGIN}: a decision written now
     * could reach the operator after that instant, which would mark it Expired and ignore it, while
     * the link page or the command had said it was decided. Too late, and said so.
     */
    EXPIRING,
    /** It awaits approval but already carries an approval annotation the operator will read. */
    ALREADY_DECIDED,
    /**
     * An early annotation (status.staleApproval) was removed, but the operator has not seen it gone
     * yet: one set now would still be read as that early one and decide nothing. Transient.
     */
    STALE_NOT_CLEARED,
    /** It kept changing while this was written; nothing was written. */
    CHANGED_MEANWHILE
  }

  /** The outcome and the proposal as last read (null when there is none). */
  public record Result(Outcome outcome, RemediationProposal proposal) {
    /** The phase of the proposal as read, or null. */
    public Phase phase() {
      return proposal == null || proposal.getStatus() == null
          ? null
          : proposal.getStatus().getPhase();
    }

    /** The expiry the operator recorded ({@code status.expiresAt}), if it is a time. */
    public Optional<Instant> expiresAt() {
      return proposal == null ? Optional.empty() : Expiry.recorded(proposal.getStatus());
    }

    /**
     * The approval annotation it carries was set before it could be decided (status.staleApproval
     * holds its value): the operator reads it as nothing, and it stays until removed.
     */
    public boolean staleApproval() {
      String existing = existingApproval();
      return existing != null
          && proposal.getStatus() != null
          && existing.equals(proposal.getStatus().getStaleApproval());
    }

    /** The early annotation's value the operator recorded (status.staleApproval), or null. */
    public String recordedStaleApproval() {
      String stale =
          proposal == null || proposal.getStatus() == null
              ? null
              : proposal.getStatus().getStaleApproval();
      return stale == null || stale.isEmpty() ? null : stale;
    }

    /** The approval annotation the proposal already had, or null. */
    public String existingApproval() {
      return proposal == null || proposal.getMetadata().getAnnotations() == null
          ? null
          : proposal.getMetadata().getAnnotations().get(Approvals.APPROVAL);
    }
  }

  private static final int ATTEMPTS = 3;

  private final KubernetesClient client;
  private final Clock clock;

  public ApprovalAnnotations(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /**
   * Whether the proposal could be decided now, changing nothing. {@code uid} null accepts any
   * proposal of that name.
   */
  public Result check(String namespace, String name, String uid) {
    RemediationProposal p = read(namespace, name);
    return new Result(judge(p, uid, clock.instant()), p);
  }

  /**
   * Sets the annotations of {@code verdict} (and {@code approved-by=by} unless {@code by} is null)
   * when {@link #judge} allows it.
   *
   * @throws KubernetesClientException when the API server cannot be reached or refuses (403)
   */
  public Result decide(String namespace, String name, String uid, Verdict verdict, String by) {
    RemediationProposal p = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      p = read(namespace, name);
      Outcome o = judge(p, uid, clock.instant());
      if (o != Outcome.DECIDED) {
        return new Result(o, p);
      }
      try {
        RemediationProposal patched =
            client
                .resources(RemediationProposal.class)
                .inNamespace(namespace)
                .withName(name)
                .patch(MERGE, patch(p.getMetadata().getResourceVersion(), verdict, by));
        return new Result(Outcome.DECIDED, patched);
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return new Result(Outcome.NOT_FOUND, null);
        }
        if (e.getCode() != 409) {
          throw e;
        }
        // Changed since it was read (the intake's counts, a person): judge it again.
      }
    }
    return new Result(Outcome.CHANGED_MEANWHILE, p);
  }

  /**
   * Pure: {@link Outcome#DECIDED} when {@code p} may be decided at {@code now}, else why not.
   * {@code uid} null accepts any proposal of the name. A proposal past the expiry the operator
   * recorded is {@link Outcome#EXPIRED} even while its phase still says AwaitingApproval: the
   * operator goes by that same instant, and would only mark it Expired and ignore the decision.
   */
  public static Outcome judge(RemediationProposal p, String uid, Instant now) {
    if (p == null) {
      return Outcome.NOT_FOUND;
    }
    if (uid != null && !uid.equals(p.getMetadata().getUid())) {
      return Outcome.RECREATED;
    }
    if (p.getStatus() == null || p.getStatus().getPhase() != Phase.AwaitingApproval) {
      return Outcome.NOT_AWAITING;
    }
    if (Expiry.recorded(p.getStatus()).filter(e -> !now.isBefore(e)).isPresent()) {
      return Outcome.EXPIRED;
    }
    if (Expiry.recorded(p.getStatus())
        .filter(e -> !now.plus(DECISION_MARGIN).isBefore(e))
        .isPresent()) {
      return Outcome.EXPIRING;
    }
    var existing = Approvals.read(p.getMetadata().getAnnotations());
    if (existing.isPresent() && existing.get().verdict() != Approvals.Verdict.UNKNOWN) {
      // Either the operator is about to act on it, or it was set before the proposal could be
      // seen (status.staleApproval) and must be removed first: writing it again decides nothing.
      return Outcome.ALREADY_DECIDED;
    }
    String stale = p.getStatus().getStaleApproval();
    if (stale != null && !stale.isEmpty() && existing.isEmpty()) {
      // Removed, but the operator has not cleared it yet: it would take a new one for the old.
      return Outcome.STALE_NOT_CLEARED;
    }
    return Outcome.DECIDED;
  }

  static String patch(String resourceVersion, Verdict verdict, String by) {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(Approvals.APPROVAL, verdict.annotation());
    if (by != null && !by.isBlank()) {
      annotations.put(Approvals.APPROVED_BY, by);
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    if (resourceVersion != null) {
      metadata.put("resourceVersion", resourceVersion); // a precondition: 409 when it changed
    }
    metadata.put("annotations", annotations);
    return Serialization.asJson(Map.of("metadata", metadata));
  }

  private RemediationProposal read(String namespace, String name) {
    return client.resources(RemediationProposal.class).inNamespace(namespace).withName(name).get();
  }
}
