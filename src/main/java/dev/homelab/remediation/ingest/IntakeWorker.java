package dev.homelab.remediation.ingest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one parse worker does with the messages of a batch (those the reader read at once). A plain
 * event is read without a tree ({@link FoldScan}): benign, it marks a recovery; actionable, it is
 * gathered with the other repeats of its svcKey in the batch, and at the end of the batch each
 * svcKey's repeats are folded into the book together (one lock, not one per event). Anything else
 * is parsed in full, after what was gathered is folded, so each svcKey's events reach the book in
 * the order they came. When an incident takes no more repeats by the time they are folded (it was
 * never open, or it closed meanwhile), they are handed on one by one, the first opening a new one:
 * the book ends as if each had been handed on alone. One thread only.
 */
final class IntakeWorker {
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

  /** Within MAX_MESSAGE_BYTES, as the parser checks too: larger ones are not queued. */
  void handle(QueuedMessage m) {
    FoldScan.Identity plain = scan.read(m.payload());
    if (plain != null && !plain.benign()) {
      gather(plain, m);
      return;
    }
    flush();
    if (plain != null) {
      metrics.skipped(plain.eventType());
      book.recovered(plain.svcKey(), plain.observedAt());
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
    Instant at = id.observedAt();
    if (k == size) {
      keys[k] = id.svcKey();
      counts[k] = 0;
      earliest[k] = at;
      latest[k] = at;
      size++;
    }
    counts[k]++;
    if (at.isBefore(earliest[k])) {
      earliest[k] = at;
    } else if (at.isAfter(latest[k])) {
      latest[k] = at;
    }
    gathered.add(m);
  }

  /** Folds what was gathered: at the end of a batch, and before anything else is handed on. */
  void flush() {
    for (int k = 0; k < size; k++) {
      if (!book.fold(keys[k], counts[k], earliest[k], latest[k])) {
        for (QueuedMessage m : gathered) {
          FoldScan.Identity id = scan.read(m.payload());
          if (id.svcKey().equals(keys[k])
              && !book.fold(id.svcKey(), 1, id.observedAt(), id.observedAt())) {
            parse(m);
          }
        }
      }
      keys[k] = null;
      earliest[k] = null;
      latest[k] = null;
    }
    size = 0;
    gathered.clear();
  }

  private void parse(QueuedMessage m) {
    ParseOutcome outcome =
        parser.parse(m.payload(), m.channel(), Instant.ofEpochMilli(m.receivedAtMillis()));
    if (outcome instanceof ParseOutcome.Accepted a) {
      book.accept(a.event());
    } else if (outcome instanceof ParseOutcome.Benign b) {
      metrics.skipped(b.eventType());
      book.recovered(b.svcKey(), b.observedAt());
    } else if (outcome instanceof ParseOutcome.Rejected r) {
      rejections.rejected(m.channel(), m.payload().length, r.reason(), r.detail());
    }
  }
}
