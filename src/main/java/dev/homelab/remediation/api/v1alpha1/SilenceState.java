package dev.homelab.remediation.api.v1alpha1;

/** Where a silence is in its window. */
public enum SilenceState {
  /** Before startsAt: it matches nothing yet. */
  Pending,
  /** startsAt <= now < endsAt: new matching incidents are silenced. */
  Active,
  /** At or after endsAt: it matches nothing; deleted RETENTION after endsAt. */
  Expired,
  /** startsAt or endsAt missing or not RFC 3339: it matches nothing, and is kept for a person. */
  Invalid
}
