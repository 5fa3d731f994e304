package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the phase machine decided for one observation.
 *
 * @param status the reconciler's status fields to merge-patch, or null when nothing changes
 * @param effects performed in order after the patch
 * @param recheckAfter when to look again although nothing happens meanwhile, or null
 */
public record Decision(
    RemediationProposalStatus status, List<Effect> effects, Duration recheckAfter) {

  public Decision {
    effects = List.copyOf(effects);
    if (recheckAfter != null && recheckAfter.isNegative()) {
      recheckAfter = Duration.ZERO;
    }
  }

  public static Decision nothing() {
    return new Decision(null, List.of(), null);
  }

  public static Decision recheck(Duration after) {
    return new Decision(null, List.of(), after);
  }

  public static Decision of(RemediationProposalStatus status, Effect... effects) {
    return new Decision(status, List.of(effects), null);
  }

  public Decision andRecheck(Duration after) {
    return new Decision(status, effects, after);
  }

  public Optional<Duration> recheck() {
    return Optional.ofNullable(recheckAfter);
  }

  public boolean has(Class<? extends Effect> kind) {
    return effects.stream().anyMatch(kind::isInstance);
  }

  /** The Events this decision records, in order. */
  public List<Effect.Event> events() {
    return effects.stream()
        .filter(Effect.Event.class::isInstance)
        .map(Effect.Event.class::cast)
        .toList();
  }
}
