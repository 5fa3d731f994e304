package dev.homelab.remediation.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Alertmanager's API v2 as far as a client posting alerts sees it: {@code POST /api/v2/alerts} with
 * a JSON array of postable alerts ({@code labels}, {@code annotations}, {@code startsAt}, {@code
 * endsAt}). {@link #url()} is the base URL the operator is configured with.
 */
public final class FakeAlertmanager extends FakeReceiver {
  public FakeAlertmanager() {
    super("/api/v2/alerts");
  }

  @Override
  public String url() {
    return rootUrl();
  }

  /** Every alert posted, in order (the arrays flattened). */
  public List<JsonNode> alerts() {
    List<JsonNode> out = new ArrayList<>();
    for (Request r : requests()) {
      JsonNode body = r.json();
      if (!body.isArray()) {
        throw new AssertionError("Alertmanager takes a JSON array of alerts, got " + r.body());
      }
      body.forEach(out::add);
    }
    return out;
  }

  /** True when {@code alert} is resolved at {@code now}: its endsAt is not after now. */
  public static boolean resolved(JsonNode alert, Instant now) {
    JsonNode end = alert.get("endsAt");
    return end != null && !Instant.parse(end.asText()).isAfter(now);
  }
}
