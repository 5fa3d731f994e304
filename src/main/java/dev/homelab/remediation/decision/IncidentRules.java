package dev.homelab.remediation.decision;

import java.time.Duration;
import java.time.Instant;

/** Whether an actionable event opens a new incident or folds into the latest one (SPEC 5). */
public final class IncidentRules {

  /**
   * What the intake knows of the latest proposal for a svcKey. {@code windowStart} is when its
   * cooldown window began: the model's answer once there is one, else the proposal's creation.
   * {@code holdUntil}, for a proposal the intake opened after a Resolved one inside that one's
   * window (the second of a flapping service), is the end of its own window; else null.
   */
  public record Latest(
      String name, Instant windowStart, boolean open, boolean resolved, Instant holdUntil) {
    public Latest(String name, Instant windowStart, boolean open) {
      this(name, windowStart, open, false, null);
    }

    public Latest(String name, Instant windowStart, boolean open, boolean resolved) {
      this(name, windowStart, open, resolved, null);
    }
  }

  public enum Decision {
    CREATE,
    FOLD,
    /**
     * Neither yet: the intake holds the failure, counted, and opens a proposal for it when {@code
     * holdUntil} comes if no recovery came meanwhile.
     */
    HOLD
  }

  private IncidentRules() {}

  /**
   * Folds when the latest proposal for the svcKey is still open, or was created inside the cooldown
   * window; otherwise (and always after the latest one was Resolved) a new proposal is created. The
   * exception, so that a service flapping faster than the window makes two proposals per window,
   * not one per flap: after a Resolved one that itself followed a Resolved one inside its window,
   * the failure is held until the end of the window ({@link Decision#HOLD}).
   */
  public static Decision decide(Latest latest, Instant now, Duration cooldown) {
    if (latest == null) {
      return Decision.CREATE;
    }
    if (latest.resolved()) {
      // A failure after the service recovered is a new incident, not a repeat of the old one.
      return latest.holdUntil() != null && now.isBefore(latest.holdUntil())
          ? Decision.HOLD
          : Decision.CREATE;
    }
    if (latest.open() || now.isBefore(latest.windowStart().plus(cooldown))) {
      return Decision.FOLD;
    }
    return Decision.CREATE;
  }
}
