package dev.homelab.remediation.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code NOTIFY_WEBHOOK_URL}: a JSON POST of each notification to exactly that URL (SPEC section
 * 10). Every field of the contract is present (null when unknown); {@code approve_url} and {@code
 * reject_url} only while awaiting approval with links on; {@code decision} and {@code decided_by}
 * only once decided or expired.
 */
public final class WebhookTarget implements NotificationTarget {
  /** The target\'s name, also signed into the approval links it sends. */
  public static final String NAME = "webhook";

  static final ObjectMapper JSON = new ObjectMapper();

  private final URI url;
  private final Duration timeout;

  public WebhookTarget(URI url, Duration timeout) {
    this.url = url;
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public HttpRequest request(Notification n, Instant now) {
    return HttpRequest.newBuilder(url)
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .header("User-Agent", Notifiers.USER_AGENT)
        .POST(HttpRequest.BodyPublishers.ofString(body(n).toString(), StandardCharsets.UTF_8))
        .build();
  }

  /** The JSON body of the contract. */
  static ObjectNode body(Notification n) {
    ObjectNode b = JSON.createObjectNode();
    b.put("event", n.event().wire());
    ObjectNode p = b.putObject("proposal");
    p.put("namespace", n.namespace());
    p.put("name", n.name());
    p.put("uid", n.uid());
    b.put("svc_key", n.svcKey());
    b.put("node", n.node());
    b.put("service", n.service());
    b.put("event_type", n.eventType());
    b.put("action", n.action());
    b.put("reason", n.reason());
    b.put("confidence", n.confidence());
    b.put("model", n.model());
    n.policyRules().forEach(b.putArray("policy_rules")::add);
    b.put("occurrences", n.occurrences());
    b.put("expires_at", n.expiresAt().toString());
    n.approveUrl(NAME).ifPresent(u -> b.put("approve_url", u));
    n.rejectUrl(NAME).ifPresent(u -> b.put("reject_url", u));
    if (n.event() != Notification.Event.AWAITING_APPROVAL) {
      b.put("decision", n.decision());
      b.put("decided_by", n.decidedBy());
    }
    return b;
  }
}
