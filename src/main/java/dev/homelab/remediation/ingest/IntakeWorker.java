package dev.homelab.remediation.ingest;

import dev.homelab.remediation.decision.HealthEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one parse worker does with the messages of a batch (those the reader read at once). A plain
 * event is read without a tree ({@link FoldScan}): benign, it marks a recovery; actionable, it is
 * gathered with the other repeats of its svcKey in the batch, and at the end of the batch each
 * svcKey's repeats are folded into the book together (one lock, not one per event). Anything else
 * is parsed in full, after what was gathered is folded, so each svcKey's events of a batch reach
 * the book in the order they came (batches are handed to the workers in turn, as messages were one
 * by one: with more than one worker, two batches can interleave). When an incident takes no more
 * repeats by the time they are folded (it was never open, or it closed meanwhile), they are handed
 * on one by one, the first opening a new one: the book ends as if each had been handed on alone.
 * One thread only.
 */
final class IntakeWorker {
  private static final Logger LOG = LoggerFactory.getLogger(IntakeWorker.class);

  /** Logs and counts a rejected message. */
  interface Rejections {
    void rejected(String channel, long bytes, RejectReason reason, String detail);
  }

  private static final int KEYS = 8;

  private final FoldScan scan = new FoldScan();
  private final EventParser parser;
  private final IncidentBook book;
  private final IntakeMetrics metrics;
  private final Rejections rejections;
  private final String[] keys = new String[KEYS];
  private final String[] types = new String[KEYS]; // the one event type of each, or null
  private final long[] counts = new long[KEYS];
  private final Instant[] earliest = new Instant[KEYS];
  private final Instant[] latest = new Instant[KEYS];
  private final List<QueuedMessage> gathered = new ArrayList<>();
  private int size;

  IntakeWorker(
      EventParser parser, IncidentBook book, IntakeMetrics metrics, Rejections rejections) {
    this.parser = parser;
    this.book = book;
    this.metrics = metrics;
    this.rejections = rejections;
  }

  void handle(QueuedMessage m) {
    // One the parser would refuse as too large is left to it (the reader queues none anyway).
    FoldScan.Identity plain =
        m.payload().length <= parser.maxBytes() ? scan.read(m.payload()) : null;
    if (plain != null && !plain.benign()) {
      gather(plain, m);
      return;
    }
    flush();
    if (plain != null) {
      metrics.skipped(plain.eventType());
      book.recovered(plain.svcKey(), notAfter(plain.observedAt(), m));
    } else {
      parse(m);
    }
  }

  private void gather(FoldScan.Identity id, QueuedMessage m) {
    int k = 0;
    String key = id.svcKey();
    while (k < size && keys[k] != key && !keys[k].equals(key)) { // the same String, mostly
      k++;
    }
    if (k == KEYS) {
      flush();
      k = 0;
    }
    Instant at = notAfter(id.observedAt(), m);
    if (k == size) {
      keys[k] = id.svcKey();
      types[k] = id.eventType();
      counts[k] = 0;
      earliest[k] = at;
      latest[k] = at;
      size++;
    }
    counts[k]++;
    if (types[k] != null && !types[k].equals(id.eventType())) {
      types[k] = null; // more than one type: a Silenced incident may take some only, one by one
    }
    if (at.isBefore(earliest[k])) {
      earliest[k] = at;
    } else if (at.isAfter(latest[k])) {
      latest[k] = at;
    }
    gathered.add(m);
  }

  /**
   * Folds what was gathered: at the end of a batch, and before anything else is handed on. Never
   * throws: a svcKey whose fold fails is logged and the others are still folded.
   */
  void flush() {
    for (int k = 0; k < size; k++) {
      try {
        if (!book.fold(keys[k], types[k], counts[k], earliest[k], latest[k])) {
          oneByOne(keys[k]);
        }
      } catch (RuntimeException e) {
        LOG.error("folding {} events of {} failed; continuing", counts[k], keys[k], e);
      }
      keys[k] = null;
      types[k] = null;
      earliest[k] = null;
      latest[k] = null;
    }
    size = 0;
    gathered.clear();
  }

  /** The gathered repeats of a svcKey whose incident takes none now, each as if alone. */
  private void oneByOne(String key) {
    for (QueuedMessage m : gathered) {
      FoldScan.Identity id = scan.read(m.payload()); // read before: the same answer
      Instant at = notAfter(id.observedAt(), m);
      if (id.svcKey().equals(key) && !book.fold(key, id.eventType(), 1, at, at)) {
        try {
          parse(m); // the first opens a new incident; the rest fold into it
        } catch (RuntimeException e) {
          LOG.error("handing on an event of {} failed; continuing", key, e);
        }
      }
    }
  }

  /** An event's own time, or its receipt when that is earlier ({@link HealthEvent#seenAt}). */
  private static Instant notAfter(Instant at, QueuedMessage m) {
    long ms = at.toEpochMilli(); // rounded down: equal and a fraction more is still after
    boolean after =
        ms > m.receivedAtMillis() || (ms == m.receivedAtMillis() && at.getNano() % 1_000_000 != 0);
    return after ? Instant.ofEpochMilli(m.receivedAtMillis()) : at;
  }

  private void parse(QueuedMessage m) {
    ParseOutcome outcome =
        parser.parse(m.payload(), m.channel(), Instant.ofEpochMilli(m.receivedAtMillis()));
    if (outcome instanceof ParseOutcome.Accepted a) {
      book.accept(a.event());
    } else if (outcome instanceof ParseOutcome.Benign b) {
      metrics.skipped(b.eventType());
      book.recovered(b.svcKey(), notAfter(b.observedAt(), m));
    } else if (outcome instanceof ParseOutcome.Rejected r) {
      rejections.rejected(m.channel(), m.payload().length, r.reason(), r.detail());
    }
  }
}
