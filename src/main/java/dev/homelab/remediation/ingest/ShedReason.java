package dev.homelab.remediation.ingest;

import java.util.Locale;

/**
 * Why the intake shed a message unparsed while it was behind (the metric tag is the lower-case
 * name), in the order it sheds them: see {@link IntakePipeline}.
 */
public enum ShedReason {
  /** An actionable event for a svcKey whose incident is open: it would only have been counted. */
  REPEAT,
  /** A benign event (it would have marked a recovery). */
  BENIGN,
  /** A first event of severity {@code info}. */
  INFO,
  /** A first event of severity {@code warning} (or one the intake could not rank unparsed). */
  WARNING,
  /** The buffer was full: any message, a critical first event included. */
  FULL,
  /**
   * The reader was about to fall too far behind Redis (past a quarter of its socket buffer):
   * dropped unread, unranked, until it caught up, so that Redis does not close the subscription.
   */
  BEHIND,
  /**
   * A first event of a new svcKey while {@link BookLimits#MAX_OPENINGS} new incidents already wait
   * for their create (the API server slow or down, or a sender making up service names): not
   * opened, so memory stays bounded; the svcKey's next event opens it once the creates catch up.
   */
  OPENINGS;

  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
