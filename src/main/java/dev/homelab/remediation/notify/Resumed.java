package dev.homelab.remediation.notify;

import dev.homelab.remediation.api.v1alpha1.NotificationRecord;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * What a replica that starts leading reads from a proposal's recorded notification ({@link
 * Notifier#resume}): when it was decided, whether a failed notification is still worth sending, and
 * to which targets it went already.
 */
final class Resumed {
  private Resumed() {}

  static Instant decidedAt(RemediationProposal p, Instant fallback) {
    var s = p.getStatus();
    for (String at :
        new String[] {
          s.getApproval() == null ? null : s.getApproval().getAt(), s.getCompletedAt()
        }) {
      if (at != null) {
        try {
          return Instant.parse(at);
        } catch (RuntimeException e) {
          // the next, else the fallback
        }
      }
    }
    return fallback;
  }

  static boolean stillWorth(Notification n, NotificationRecord told, Instant now) {
    if (n.event() == Notification.Event.AWAITING_APPROVAL) {
      return now.isBefore(n.expiresAt());
    }
    try {
      return now.isBefore(Instant.parse(told.getAt()).plus(Notification.LATE_NEWS));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The targets {@code told} says took the notification ("ntfy: sent" in its message). */
  static Set<String> sentBy(NotificationRecord told) {
    Set<String> sent = new HashSet<>();
    for (String part : String.valueOf(told.getMessage()).split("; ")) {
      if (part.endsWith(": sent")) {
        sent.add(part.substring(0, part.length() - ": sent".length()));
      }
    }
    return sent;
  }
}
