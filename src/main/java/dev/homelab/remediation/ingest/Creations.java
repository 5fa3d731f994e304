package dev.homelab.remediation.ingest;

import dev.homelab.remediation.decision.HealthEvent;
import dev.homelab.remediation.util.DaemonThreads;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link IncidentBook}'s proposal creations, on threads of their own: each is tried until it is
 * made, again after a growing delay when it fails ({@link BookLimits#createRetryDelay}), or until
 * the intake closes. What a creation changes in the book, the book does under its lock.
 */
final class Creations {
  private static final Logger LOG = LoggerFactory.getLogger(Creations.class);

  private final IncidentBook book;
  private final ProposalStore store;
  private final String namespace;
  private final IntakeMetrics metrics;
  private final ScheduledExecutorService retries;
  private final ExecutorService creators;

  Creations(
      IncidentBook book,
      ProposalStore store,
      String namespace,
      IntakeMetrics metrics,
      int threads,
      ScheduledExecutorService retries) {
    this.book = book;
    this.store = store;
    this.namespace = namespace;
    this.metrics = metrics;
    this.retries = retries;
    this.creators = Executors.newFixedThreadPool(threads, DaemonThreads.named("intake-create"));
  }

  /** Creates the proposal of {@code inc}, which the book holds now, opened by {@code e}. */
  void open(Incident inc, HealthEvent e) {
    try {
      creators.execute(() -> create(inc, e));
    } catch (RejectedExecutionException closed) {
      book.notOpened(inc); // closed meanwhile: the operator is stopping
    }
  }

  private void create(Incident inc, HealthEvent e) {
    if (book.aborted()) {
      return;
    }
    ProposalStore.Creation creation;
    try {
      creation = store.createIfAbsent(ProposalFactory.forIncident(e, inc, namespace));
    } catch (RuntimeException ex) {
      metrics.writeFailed();
      long delay = book.createFailed(inc).toMillis();
      LOG.atWarn()
          .addKeyValue("proposal", inc.name)
          .addKeyValue("svcKey", inc.svcKey)
          .addKeyValue("retryInMs", delay)
          .setCause(ex)
          .log("creating proposal failed; will retry");
      if (book.aborted()) {
        return;
      }
      try {
        retries.schedule(() -> retry(inc, e), delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closed) {
        book.notRetried(inc);
      }
      return;
    }
    if (!creation.created()) {
      metrics.folded(1); // counted as what it is, or received would not add up
      LOG.atInfo()
          .addKeyValue("proposal", inc.name)
          .addKeyValue("svcKey", inc.svcKey)
          .log("proposal exists already; event folded into it");
    } else {
      metrics.created(); // a held failure's first event too: counted once its fate is known
      LOG.atInfo()
          .addKeyValue("proposal", inc.name)
          .addKeyValue("svcKey", inc.svcKey)
          .addKeyValue("eventType", e.eventType())
          .log("proposal created");
    }
    book.created(inc, creation);
  }

  private void retry(Incident inc, HealthEvent e) {
    try {
      creators.execute(() -> create(inc, e));
    } catch (RejectedExecutionException closed) {
      book.notRetried(inc);
    }
  }

  /** Takes no more; waits for those under way until {@code deadline} (System.nanoTime). */
  void shutdown(long deadline) {
    creators.shutdown();
    DaemonThreads.awaitUntil(creators, deadline);
  }

  void shutdownNow() {
    creators.shutdownNow();
  }
}
