package dev.homelab.remediation.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;

/** Builders of events and requests for the llm tests. */
final class TestEvents {
  static final ObjectMapper JSON = new ObjectMapper();

  private TestEvents() {}

  /** A service event; {@code service} null makes it node-level. */
  static RemediationProposalSpec event(String node, String service, String type, String message) {
    RemediationProposalSpec e = new RemediationProposalSpec();
    e.setNode(node);
    e.setService(service);
    e.setSvcKey(service == null ? node : node + "/" + service);
    e.setEventType(type);
    e.setSeverity("warning");
    e.setMessage(message);
    e.setSourceChannel("health_events");
    e.setObservedAt("2026-05-27T15:11:39.123Z");
    e.setDetails(
        json(
            "{\"container\":\""
                + (service == null ? node : service)
                + "\",\"restart_count\":4,\"exit_code\":137}"));
    return e;
  }

  static ProposalRequest request(RemediationProposalSpec event) {
    return new ProposalRequest("proposal-" + event.getNode(), event, 1);
  }

  /** chelsty/zigbee2mqtt is unhealthy. */
  static ProposalRequest zigbee() {
    return request(
        event("chelsty", "zigbee2mqtt", "service_unhealthy", "health check failing for 3m"));
  }

  static JsonNode json(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
