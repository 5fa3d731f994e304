package dev.homelab.remediation.decision;

import java.time.Duration;
import java.time.Instant;

/** Whether an actionable event opens a new incident or folds into the latest one (SPEC 5). */
public final class IncidentRules {

  /**
   * What the intake knows of the latest proposal for a svcKey. {@code windowStart} is when its
   * cooldown window began: the model's answer once there is one, else the proposal's creation.
   */
  public record Latest(String name, Instant windowStart, boolean open, boolean resolved) {
    public Latest(String name, Instant windowStart, boolean open) {
      this(name, windowStart, open, false);
    }
  }

  public enum Decision {
    CREATE,
    FOLD
  }

  private IncidentRules() {}

  /**
   * Folds when the latest proposal for the svcKey is still open, or was created inside the cooldown
   * window; otherwise (and always after the latest one was Resolved) a new proposal is created.
   */
  public static Decision decide(Latest latest, Instant now, Duration cooldown) {
    if (latest == null || latest.resolved()) {
      // A failure after the service recovered is a new incident, not a repeat of the old one.
      return Decision.CREATE;
    }
    if (latest.open() || now.isBefore(latest.windowStart().plus(cooldown))) {
      return Decision.FOLD;
    }
    return Decision.CREATE;
  }
}
