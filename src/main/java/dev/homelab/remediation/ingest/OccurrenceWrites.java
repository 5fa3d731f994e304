package dev.homelab.remediation.ingest;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one incident's occurrences, firstSeen and lastSeen, conditional on the version the book
 * last saw; refused, it reads the proposal, merges (never a smaller count) and writes again, up to
 * {@value #WRITE_ATTEMPTS} times, then leaves the rest to the next flush.
 */
final class OccurrenceWrites {
  private static final Logger LOG = LoggerFactory.getLogger(OccurrenceWrites.class);

  private static final int WRITE_ATTEMPTS = 3;

  private OccurrenceWrites() {}

  /**
   * {@code lock} guards the incident; {@code gone} (called under it) forgets an incident whose
   * proposal was deleted. The caller holds the incident's writing flag.
   */
  static void write(
      Incident inc,
      ProposalStore store,
      IntakeMetrics metrics,
      Object lock,
      Consumer<Incident> gone) {
    try {
      for (int attempt = 1; ; attempt++) {
        long occurrences;
        Instant firstSeen;
        Instant lastSeen;
        String version;
        synchronized (lock) {
          occurrences = inc.occurrences;
          firstSeen = inc.firstSeen;
          lastSeen = inc.lastSeen;
          version = inc.version;
        }
        ProposalStore.Write w =
            version == null
                ? new ProposalStore.Write(ProposalStore.Outcome.STALE, null)
                : store.patchOccurrences(inc.name, version, occurrences, firstSeen, lastSeen);
        if (w.outcome() == ProposalStore.Outcome.WRITTEN) {
          metrics.statusWritten();
          synchronized (lock) {
            inc.written(w.resourceVersion(), occurrences, firstSeen, lastSeen);
          }
          return;
        }
        if (version != null && w.outcome() == ProposalStore.Outcome.STALE) {
          metrics.statusConflict();
        }
        Optional<ProposalView> current =
            w.outcome() == ProposalStore.Outcome.GONE ? Optional.empty() : store.read(inc.name);
        synchronized (lock) {
          if (current.isEmpty()) {
            inc.gone = true;
            gone.accept(inc);
            return;
          }
          inc.adopt(current.get());
          if (!inc.unwritten()) {
            return; // the cluster holds all of it already
          }
        }
        if (attempt == WRITE_ATTEMPTS) {
          LOG.atInfo()
              .addKeyValue("proposal", inc.name)
              .log("occurrences keep changing under the intake; writing at the next flush");
          return;
        }
      }
    } catch (RuntimeException ex) {
      metrics.writeFailed();
      LOG.atWarn()
          .addKeyValue("proposal", inc.name)
          .setCause(ex)
          .log("writing occurrences failed; will retry at the next flush");
    }
  }
}
