package dev.homelab.remediation.ingest;

import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes status.recoveredAt of incidents whose svcKey had a benign event since the last flush. */
final class RecoveryWrites {
  private static final Logger LOG = LoggerFactory.getLogger(RecoveryWrites.class);

  private RecoveryWrites() {}

  /**
   * Writes each incident's latest benign event time. {@code lock} guards the incidents; {@code
   * gone} (called under it) forgets an incident whose proposal was deleted, {@code retry} (called
   * under it) keeps one whose write failed for the next flush.
   */
  static void write(
      List<Incident> batch,
      ProposalStore store,
      IntakeMetrics metrics,
      Object lock,
      Consumer<Incident> gone,
      Consumer<Incident> retry) {
    for (Incident inc : batch) {
      Instant at;
      synchronized (lock) {
        if (!inc.recoveryUnwritten()) {
          continue;
        }
        if (inc.lastSeen != null && !inc.recoveredAt.isAfter(inc.lastSeen)) {
          continue; // a failure observed after it: the service did not stay recovered
        }
        if (inc.writing) {
          retry.accept(inc); // its occurrences are being written: the next flush
          continue;
        }
        at = inc.recoveredAt;
      }
      try {
        boolean exists = store.patchRecovered(inc.name, at);
        metrics.statusWritten();
        synchronized (lock) {
          if (exists) {
            inc.clusterRecoveredAt = Incident.latest(inc.clusterRecoveredAt, at);
          } else {
            gone.accept(inc);
          }
        }
      } catch (RuntimeException ex) {
        metrics.writeFailed();
        LOG.atWarn()
            .addKeyValue("proposal", inc.name)
            .log("writing recoveredAt failed; will retry at the next flush: {}", ex.toString());
        synchronized (lock) {
          retry.accept(inc);
        }
      }
    }
  }
}
