package dev.homelab.remediation.ingest;

import java.time.Duration;

/**
 * Tunables of the book: creator threads, the longest delay between retries of a failed create, and
 * how long {@link IncidentBook#close()} waits for the last writes.
 */
public record BookLimits(int creators, Duration createRetryMax, Duration drainTimeout) {
  public static final BookLimits DEFAULTS =
      new BookLimits(4, Duration.ofSeconds(30), Duration.ofSeconds(10));
}
