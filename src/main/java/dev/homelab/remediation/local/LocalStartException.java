package dev.homelab.remediation.local;

/** Local mode cannot start; the message says why and what to do, in one line. */
public final class LocalStartException extends RuntimeException {
  public LocalStartException(String message) {
    super(message);
  }
}
