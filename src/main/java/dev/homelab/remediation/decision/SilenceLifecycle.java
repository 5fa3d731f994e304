package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import dev.homelab.remediation.api.v1alpha1.RemediationSilenceSpec;
import dev.homelab.remediation.api.v1alpha1.RemediationSilenceStatus;
import dev.homelab.remediation.api.v1alpha1.SilenceState;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A silence's life as one pure function: Pending until startsAt, Active until endsAt, Expired after
 * it, deleted {@code retention} after endsAt. An Invalid silence (startsAt or endsAt missing or not
 * RFC 3339) is kept, with the reason in its status, for a person to fix or delete.
 */
public final class SilenceLifecycle {
  private SilenceLifecycle() {}

  /**
   * What to do with a silence now.
   *
   * @param status the status to merge-patch, or empty when the silence already shows it
   * @param delete true when retention has passed: delete it, nothing else
   * @param recheck when to look again (the next boundary), or empty: nothing will change by itself
   */
  public record Review(
      Optional<RemediationSilenceStatus> status, boolean delete, Optional<Duration> recheck) {}

  public static Review review(RemediationSilence silence, Instant now, Duration retention) {
    RemediationSilenceStatus wanted = status(silence, now);
    Instant next =
        switch (wanted.getState()) {
          case Pending -> starts(silence).orElseThrow();
          case Active -> ends(silence).orElseThrow();
          case Expired -> ends(silence).orElseThrow().plus(retention);
          case Invalid -> null;
        };
    if (wanted.getState() == SilenceState.Expired && !now.isBefore(next)) {
      return new Review(Optional.empty(), true, Optional.empty());
    }
    boolean shown = Objects.equals(silence.getStatus(), wanted);
    return new Review(
        shown ? Optional.empty() : Optional.of(wanted),
        false,
        Optional.ofNullable(next).map(t -> Duration.between(now, t)));
  }

  /** Where the silence is in its window at {@code now}. */
  public static SilenceState state(RemediationSilence silence, Instant now) {
    return status(silence, now).getState();
  }

  /** The status the silence should show at {@code now}: its state, and why when Invalid. */
  static RemediationSilenceStatus status(RemediationSilence silence, Instant now) {
    RemediationSilenceSpec spec = silence.getSpec();
    Optional<Instant> ends = ends(silence);
    Optional<Instant> starts = starts(silence);
    if (ends.isEmpty()) {
      return invalid(spec == null ? null : spec.getEndsAt(), "endsAt");
    }
    if (spec.getStartsAt() != null && starts.isEmpty()) {
      return invalid(spec.getStartsAt(), "startsAt");
    }
    if (starts.isPresent() && starts.get().isAfter(ends.get())) {
      // It could never hold: said, not left to look Pending and then Expired.
      return new RemediationSilenceStatus(
          SilenceState.Invalid,
          "startsAt "
              + spec.getStartsAt()
              + " is after endsAt "
              + spec.getEndsAt()
              + ": the silence would never hold");
    }
    if (!now.isBefore(ends.get())) {
      return new RemediationSilenceStatus(SilenceState.Expired, null);
    }
    if (starts.isPresent() && now.isBefore(starts.get())) {
      return new RemediationSilenceStatus(SilenceState.Pending, null);
    }
    return new RemediationSilenceStatus(SilenceState.Active, null);
  }

  private static Optional<Instant> ends(RemediationSilence s) {
    return s.getSpec() == null ? Optional.empty() : Silences.instant(s.getSpec().getEndsAt());
  }

  private static Optional<Instant> starts(RemediationSilence s) {
    return s.getSpec() == null ? Optional.empty() : Silences.instant(s.getSpec().getStartsAt());
  }

  private static RemediationSilenceStatus invalid(String value, String field) {
    return new RemediationSilenceStatus(
        SilenceState.Invalid,
        value == null
            ? field + " is missing"
            : field + " '" + value + "' is not an RFC 3339 time (e.g. 2026-05-27T17:00:00Z)");
  }
}
