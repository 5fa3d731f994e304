package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import dev.homelab.remediation.api.v1alpha1.RemediationSilenceSpec;
import dev.homelab.remediation.api.v1alpha1.SilenceMatchers;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which silence, if any, silences an incident. A silence is active while {@code startsAt <= now <
 * endsAt} (no startsAt: from the beginning of time). Each matcher is exact or a glob in which
 * {@code *} matches any run of characters (everything else is literal), compared case-insensitively
 * as names are; an absent (or empty) matcher matches anything. A node-level incident (no service)
 * is matched by a service matcher only when that matches the empty string: absent, or {@code *}.
 */
public final class Silences {
  private Silences() {}

  /** One silence as the matching needs it; null matchers match anything. */
  public record Silence(
      String name,
      String node,
      String service,
      String eventType,
      Instant startsAt,
      Instant endsAt) {

    public boolean activeAt(Instant now) {
      return (startsAt == null || !now.isBefore(startsAt)) && now.isBefore(endsAt);
    }

    /** True when every matcher matches; {@code service} is null for a node-level incident. */
    public boolean matches(String node, String service, String eventType) {
      return glob(this.node, node)
          && glob(this.service, service)
          && glob(this.eventType, eventType);
    }
  }

  /**
   * The name of the first silence (by name) that is active at {@code now} and matches the incident,
   * or empty.
   */
  public static Optional<String> matching(
      List<Silence> silences, String node, String service, String eventType, Instant now) {
    return silences.stream()
        .filter(s -> s.activeAt(now) && s.matches(node, service, eventType))
        .map(Silence::name)
        .min(Comparator.naturalOrder());
  }

  /**
   * The silence a resource describes, or empty when its endsAt (or a startsAt that is given) is
   * missing or not RFC 3339: such a silence matches nothing.
   */
  public static Optional<Silence> of(RemediationSilence r) {
    RemediationSilenceSpec spec = r.getSpec();
    if (spec == null) {
      return Optional.empty();
    }
    Optional<Instant> ends = instant(spec.getEndsAt());
    Optional<Instant> starts = instant(spec.getStartsAt());
    if (ends.isEmpty() || (spec.getStartsAt() != null && starts.isEmpty())) {
      return Optional.empty();
    }
    SilenceMatchers m = spec.getMatchers() == null ? new SilenceMatchers() : spec.getMatchers();
    return Optional.of(
        new Silence(
            r.getMetadata().getName(),
            m.getNode(),
            m.getService(),
            m.getEventType(),
            starts.orElse(null),
            ends.get()));
  }

  /** An RFC 3339 time (offset or Z), or empty when absent or unparsable. */
  public static Optional<Instant> instant(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(text).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * True when {@code value} matches {@code pattern}: a null or empty pattern matches anything, a
   * null value is the empty string, {@code *} matches any run of characters, case-insensitive.
   */
  static boolean glob(String pattern, String value) {
    if (pattern == null || pattern.isEmpty()) {
      return true;
    }
    String p = pattern.toLowerCase(Locale.ROOT);
    String v = value == null ? "" : value.toLowerCase(Locale.ROOT);
    // Greedy matching with backtracking to the last star: linear in practice, no regex.
    int pi = 0;
    int vi = 0;
    int star = -1;
    int resume = 0;
    while (vi < v.length()) {
      if (pi < p.length() && p.charAt(pi) == '*') {
        star = pi++;
        resume = vi;
      } else if (pi < p.length() && p.charAt(pi) == v.charAt(vi)) {
        pi++;
        vi++;
      } else if (star >= 0) {
        pi = star + 1;
        vi = ++resume;
      } else {
        return false;
      }
    }
    while (pi < p.length() && p.charAt(pi) == '*') {
      pi++;
    }
    return pi == p.length();
  }
}
