package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;

/**
 * At most one successful model consultation per svcKey per window (SPEC section 5), derived from
 * the proposals in the cluster: each records when its proposal was made.
 */
public final class Cooldown {

  /**
   * A proposal of the same svcKey that was answered at {@code answeredAt}; null: the model is still
   * being asked for it (or its answer is not recorded yet), though it closed meanwhile. {@code
   * answer}: what its status records of the answer (the policy applied), null when not known;
   * {@code eventType}: the event type of that proposal, null when not known.
   */
  public record Consultation(
      String proposalName,
      String svcKey,
      Instant answeredAt,
      ProposedAction answer,
      String eventType) {
    /** One whose answer is not known here (the router's record of it). */
    public Consultation(String proposalName, String svcKey, Instant answeredAt) {
      this(proposalName, svcKey, answeredAt, null, null);
    }

    /** One whose proposal's event type is not known (taken as the same as the asker's). */
    public Consultation(
        String proposalName, String svcKey, Instant answeredAt, ProposedAction answer) {
      this(proposalName, svcKey, answeredAt, answer, null);
    }

    /** One still under way. */
    public static Consultation underWay(String proposalName, String svcKey) {
      return new Consultation(proposalName, svcKey, null, null, null);
    }
  }

  private Cooldown() {}

  /** The consultation that blocks a new one for {@code svcKey} at {@code now}, if any. */
  public static Optional<Consultation> blocking(
      Collection<Consultation> known, String svcKey, String self, Instant now, Duration window) {
    Consultation latest = null;
    for (Consultation c : known) {
      if (!c.svcKey().equals(svcKey) || c.proposalName().equals(self) || c.answeredAt() == null) {
        continue;
      }
      if (now.isBefore(c.answeredAt().plus(window))
          && (latest == null
              || c.answeredAt().isAfter(latest.answeredAt())
              // The same answer, reused: the same one whatever order the cache lists them in.
              || (c.answeredAt().equals(latest.answeredAt())
                  && c.proposalName().compareTo(latest.proposalName()) < 0))) {
        latest = c;
      }
    }
    return Optional.ofNullable(latest);
  }

  /**
   * Another proposal of {@code svcKey} whose consultation is still under way: a new one waits for
   * its answer (which then blocks it) rather than asking the model a second time meanwhile.
   */
  public static Optional<Consultation> underWay(
      Collection<Consultation> known, String svcKey, String self) {
    for (Consultation c : known) {
      if (c.answeredAt() == null && c.svcKey().equals(svcKey) && !c.proposalName().equals(self)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** Backoff before retrying a failed chain: 30 s doubling, capped at 30 min. */
  public static Duration retryDelay(int attempts, Duration base) {
    int shift = Math.max(0, Math.min(attempts - 1, 16));
    Duration d = base.multipliedBy(1L << shift);
    Duration cap = Duration.ofMinutes(30);
    return d.compareTo(cap) > 0 ? cap : d;
  }
}
