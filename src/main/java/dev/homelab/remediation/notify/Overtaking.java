package dev.homelab.remediation.notify;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which notifications of a proposal a newer one overtook, at one target: the newest tried, and the
 * newest not queued (dropped with the queue full) or the proposal's deletion. Older ones, queued or
 * kept for later, are then given up, so a late "awaiting" never follows "decided". Per proposal
 * uid, the least recently used forgotten past {@link #REMEMBERED}.
 */
final class Overtaking {
  static final int REMEMBERED = 4096;

  /** Not queued, or the deletion: any thread. */
  private final Map<String, Long> notQueued = Collections.synchronizedMap(recent());

  /** Tried: the worker thread only. */
  private final Map<String, Long> tried = recent();

  private static Map<String, Long> recent() {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
        return size() > REMEMBERED;
      }
    };
  }

  /** Notification {@code seq} of {@code uid} was not queued, or the proposal was deleted. */
  void notQueued(String uid, long seq) {
    notQueued.merge(uid, seq, Math::max);
  }

  /** {@code job} is being tried (worker thread). */
  void tried(TargetJob job) {
    tried.put(job.uid, job.seq);
  }

  /** True when a newer notification of {@code job}'s proposal was tried, not queued or deleted. */
  boolean overtaken(TargetJob job) {
    Long newest = tried.get(job.uid);
    Long dropped = notQueued.get(job.uid);
    return (newest != null && newest > job.seq) || (dropped != null && dropped > job.seq);
  }
}
