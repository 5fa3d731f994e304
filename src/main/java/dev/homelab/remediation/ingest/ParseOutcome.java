package dev.homelab.remediation.ingest;

import dev.homelab.remediation.decision.HealthEvent;

/** What the parser made of one message. */
public sealed interface ParseOutcome {

  /** An actionable event. */
  record Accepted(HealthEvent event) implements ParseOutcome {}

  /**
   * A benign event type: counted, creates nothing, and tells the svcKey's proposal that the service
   * recovered ({@code observedAt}: the event's time, or its receipt).
   */
  record Benign(String eventType, String svcKey, java.time.Instant observedAt)
      implements ParseOutcome {}

  /** Bad input: logged with the reason and counted; nothing is created. */
  record Rejected(RejectReason reason, String detail) implements ParseOutcome {}
}
