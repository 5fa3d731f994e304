package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.NotificationRecord;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code Notified} condition, derived from {@code status.notification} (pure). The notifier
 * owns {@code status.notification} and never writes {@code conditions}: the reconciler owns that
 * list and replaces it whole with each merge patch, so a second writer would lose updates. The
 * reconciler brings the condition in line by passing each decision through {@link #apply}.
 */
public final class NotifiedCondition {
  public static final String TYPE = "Notified";

  private NotifiedCondition() {}

  /**
   * The condition {@code notification} calls for: True with reason {@code Sent} when every target
   * took it, False with reason {@code Failed} otherwise; empty when nothing was notified.
   */
  public static Optional<Condition> of(
      NotificationRecord notification, long generation, List<Condition> current, Instant now) {
    if (notification == null || notification.getResult() == null) {
      return Optional.empty();
    }
    boolean sent = NotificationRecord.SENT.equals(notification.getResult());
    String reason = sent ? NotificationRecord.SENT : NotificationRecord.FAILED;
    String message =
        notification.getEvent() + ": " + Objects.requireNonNullElse(notification.getMessage(), "");
    return Conditions.with(current, TYPE, sent, reason, message, generation, now).stream()
        .filter(c -> TYPE.equals(c.getType()))
        .findFirst();
  }

  /**
   * {@code d} with the Notified condition of {@code o}'s {@code status.notification} added to the
   * status it writes; when it writes nothing and the condition is out of date, a write of the
   * condition list alone. A decision that deletes the proposal, or a condition already up to date,
   * is returned as it is, so deciding again after this write writes nothing.
   */
  public static Decision apply(Observation o, Decision d) {
    RemediationProposalStatus seen = o.status();
    if (seen == null || seen.getNotification() == null || d.has(Effect.Delete.class)) {
      return d;
    }
    List<Condition> base =
        d.status() != null && d.status().getConditions() != null
            ? d.status().getConditions()
            : seen.getConditions();
    Optional<Condition> wanted = of(seen.getNotification(), o.generation(), base, o.now());
    if (wanted.isEmpty() || upToDate(base, wanted.get())) {
      return d;
    }
    RemediationProposalStatus s = d.status();
    if (s == null) {
      s = new RemediationProposalStatus(); // the conditions alone: the phase is not touched
      s.setObservedGeneration(o.generation());
    }
    Condition c = wanted.get();
    s.setConditions(
        Conditions.with(
            base,
            TYPE,
            "True".equals(c.getStatus()),
            c.getReason(),
            c.getMessage(),
            o.generation(),
            o.now()));
    return new Decision(s, d.effects(), d.recheckAfter());
  }

  private static boolean upToDate(List<Condition> current, Condition wanted) {
    if (current == null) {
      return false;
    }
    return current.stream()
        .anyMatch(
            c ->
                TYPE.equals(c.getType())
                    && Objects.equals(c.getStatus(), wanted.getStatus())
                    && Objects.equals(c.getReason(), wanted.getReason())
                    && Objects.equals(c.getMessage(), wanted.getMessage()));
  }
}
