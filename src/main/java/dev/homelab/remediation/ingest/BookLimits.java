package dev.homelab.remediation.ingest;

import java.time.Duration;

/**
 * Tunables of the book: creator threads, the longest delay between retries of a failed create, how
 * long {@link IncidentBook#close()} waits for the last writes, and how long a dispatched incident
 * is kept to take its svcKey's benign events (OUTCOME_WINDOW).
 */
public record BookLimits(
    int creators, Duration createRetryMax, Duration drainTimeout, Duration outcomeWindow) {
  /**
   * New incidents waiting for their create (the API server slow or down, or a sender making up
   * service names) past which a first event of yet another svcKey is shed, as {@code openings}.
   */
  public static final int MAX_OPENINGS = 256;

  public static final BookLimits DEFAULTS =
      new BookLimits(4, Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMinutes(15));

  public BookLimits(int creators, Duration createRetryMax, Duration drainTimeout) {
    this(creators, createRetryMax, drainTimeout, Duration.ofMinutes(15));
  }

  /** The delay before retrying a create that failed {@code failures} times: 0.4 s doubling. */
  public Duration createRetryDelay(int failures) {
    long ms = 200L << Math.min(failures, 10);
    return Duration.ofMillis(Math.min(ms, createRetryMax.toMillis()));
  }
}
