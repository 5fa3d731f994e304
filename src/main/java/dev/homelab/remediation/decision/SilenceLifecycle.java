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
    RemediationSilenceStatus wanted;
    Instant next;
    RemediationSilenceSpec spec = silence.getSpec();
    Optional<Instant> ends = spec == null ? Optional.empty() : Silences.instant(spec.getEndsAt());
    Optional<Instant> starts =
        spec == null ? Optional.empty() : Silences.instant(spec.getStartsAt());
    if (ends.isEmpty()) {
      wanted = invalid(spec == null ? null : spec.getEndsAt(), "endsAt");
      next = null;
    } else if (spec.getStartsAt() != null && starts.isEmpty()) {
      wanted = invalid(spec.getStartsAt(), "startsAt");
      next = null;
    } else if (!now.isBefore(ends.get())) {
      Instant deleteAt = ends.get().plus(retention);
      if (!now.isBefore(deleteAt)) {
        return new Review(Optional.empty(), true, Optional.empty());
      }
      wanted = new RemediationSilenceStatus(SilenceState.Expired, null);
      next = deleteAt;
    } else if (starts.isPresent() && now.isBefore(starts.get())) {
      wanted = new RemediationSilenceStatus(SilenceState.Pending, null);
      next = starts.get();
    } else {
      wanted = new RemediationSilenceStatus(SilenceState.Active, null);
      next = ends.get();
    }
    boolean shown = Objects.equals(silence.getStatus(), wanted);
    return new Review(
        shown ? Optional.empty() : Optional.of(wanted),
        false,
        Optional.ofNullable(next).map(t -> Duration.between(now, t)));
  }

  private static RemediationSilenceStatus invalid(String value, String field) {
    return new RemediationSilenceStatus(
        SilenceState.Invalid,
        value == null
            ? field + " is missing"
            : field + " '" + value + "' is not an RFC 3339 time (e.g. 2026-05-27T17:00:00Z)");
  }
}
