package dev.homelab.remediation.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** A webhook receiver: JSON POSTs to {@code /hooks/remediation}. */
public final class FakeWebhook extends FakeReceiver {
  public FakeWebhook() {
    super("/hooks/remediation");
  }

  /** The JSON bodies received, in order. */
  public List<JsonNode> payloads() {
    return requests().stream().map(Request::json).toList();
  }

  /** The {@code event} of each payload, in order. */
  public List<String> events() {
    return payloads().stream().map(p -> p.path("event").asText()).toList();
  }
}
