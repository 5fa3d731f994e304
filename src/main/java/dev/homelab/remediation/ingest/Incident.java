package dev.homelab.remediation.ingest;

import java.time.Instant;
import java.util.Objects;

/** One incident: one proposal, what the intake has counted for it and what the cluster holds. */
final class Incident {
  final String name;
  final String svcKey;
  final Instant createdAt;

  /** Start of the cooldown window: the model's answer once there is one, else creation. */
  Instant windowStart;

  boolean open = true;
  boolean created;

  /** The proposal was deleted: nothing more is written. */
  boolean gone;

  /** A write is on its way; no other thread writes this incident meanwhile. */
  boolean writing;

  int failedCreates;

  /** What the intake counted. */
  long occurrences;

  Instant firstSeen;
  Instant lastSeen;

  /** What the cluster holds at {@link #version}, as far as the book knows. */
  String version;

  Long clusterOccurrences;
  Instant clusterFirstSeen;
  Instant clusterLastSeen;

  Incident(String name, String svcKey, Instant createdAt) {
    this.name = name;
    this.svcKey = svcKey;
    this.createdAt = createdAt;
    this.windowStart = createdAt;
  }

  boolean unwritten() {
    return clusterOccurrences == null
        || clusterOccurrences.longValue() != occurrences
        || !firstSeen.equals(clusterFirstSeen)
        || !lastSeen.equals(clusterLastSeen);
  }

  void seen(Instant observedAt) {
    firstSeen = earliest(firstSeen, observedAt);
    lastSeen = latest(lastSeen, observedAt);
  }

  /**
   * Takes in the proposal as the cluster holds it: a larger count, an earlier firstSeen, a later
   * lastSeen win; the opening event's own time counts as seen.
   */
  void adopt(ProposalView v) {
    version = v.resourceVersion();
    clusterOccurrences = v.occurrences();
    clusterFirstSeen = v.firstSeen();
    clusterLastSeen = v.lastSeen();
    if (v.occurrences() != null && v.occurrences() > occurrences) {
      occurrences = v.occurrences();
    }
    // An earlier version wrote firstSeen as receipt time, possibly after lastSeen: take the
    // earliest of all.
    firstSeen =
        earliest(earliest(firstSeen, v.firstSeen()), earliest(v.lastSeen(), v.observedAt()));
    lastSeen = latest(lastSeen, latest(v.lastSeen(), v.observedAt()));
    if (firstSeen == null) {
      firstSeen = v.createdAt();
    }
    if (lastSeen == null) {
      lastSeen = firstSeen;
    }
  }

  /** Whether {@code v} has the intake's fields as the book last knew the cluster to hold them. */
  boolean holdsSameFieldsAs(ProposalView v) {
    return Objects.equals(v.occurrences(), clusterOccurrences)
        && Objects.equals(v.firstSeen(), clusterFirstSeen)
        && Objects.equals(v.lastSeen(), clusterLastSeen);
  }

  /** The cluster now holds what was just written, at {@code newVersion}. */
  void written(String newVersion, long n, Instant first, Instant last) {
    version = newVersion;
    clusterOccurrences = n;
    clusterFirstSeen = first;
    clusterLastSeen = last;
  }

  static Instant earliest(Instant a, Instant b) {
    return a == null ? b : b == null || !b.isBefore(a) ? a : b;
  }

  static Instant latest(Instant a, Instant b) {
    return a == null ? b : b == null || !b.isAfter(a) ? a : b;
  }
}
