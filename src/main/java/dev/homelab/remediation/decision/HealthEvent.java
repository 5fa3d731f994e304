package dev.homelab.remediation.decision;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Optional;

/**
 * A health event after normalisation (SPEC section 2): names validated and case-folded, the
 * timestamp resolved.
 *
 * @param eventType event type, lower case
 * @param node node name, validated
 * @param service service name, validated; empty for node-level events
 * @param svcKey {@code node/service}, or {@code node}
 * @param severity severity, lower case, {@code warning} when absent
 * @param message the event's message, or null
 * @param sourceChannel the Redis channel it arrived on
 * @param observedAt the event's own time, or {@code receivedAt} when it had none
 * @param timestampGiven whether the event carried a parsable timestamp
 * @param details details (shape A) or data (shape B), as given; may be null
 * @param extra unknown top-level fields, as given; may be null
 * @param receivedAt when the operator received it
 * @param fingerprint digest of the raw payload for events without a timestamp; null otherwise
 */
public record HealthEvent(
    String eventType,
    String node,
    Optional<String> service,
    String svcKey,
    String severity,
    String message,
    String sourceChannel,
    Instant observedAt,
    boolean timestampGiven,
    JsonNode details,
    JsonNode extra,
    Instant receivedAt,
    String fingerprint) {

  /**
   * When the event happened as far as the order of an incident's events goes (firstSeen, lastSeen,
   * the opening time in the spec): its own time, or its receipt when that is earlier. A sender
   * whose clock runs ahead of the operator's would otherwise push lastSeen past every later
   * recovery, so the incident would never be Resolved. The name still comes from the time as given,
   * so a redelivery names the same incident.
   */
  public Instant seenAt() {
    return observedAt.isAfter(receivedAt) ? receivedAt : observedAt;
  }
}
