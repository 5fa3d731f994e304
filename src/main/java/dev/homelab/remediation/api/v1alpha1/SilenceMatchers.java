package dev.homelab.remediation.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What a silence matches. An absent matcher matches anything. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SilenceMatchers {

  @JsonPropertyDescription(
      "Node name, exact or a glob where * matches any run of characters (case-insensitive);"
          + " absent: any node.")
  private String node;

  @JsonPropertyDescription(
      "Service name, exact or a * glob (case-insensitive); absent: any service. A node-level event"
          + " (no service) is matched only when this is absent or *.")
  private String service;

  @JsonPropertyDescription(
      "Event type, exact or a * glob (case-insensitive), e.g. service_unhealthy or container_*;"
          + " absent: any event type.")
  private String eventType;

  public SilenceMatchers() {}

  public SilenceMatchers(String node, String service, String eventType) {
    this.node = node;
    this.service = service;
    this.eventType = eventType;
  }

  public String getNode() {
    return node;
  }

  public void setNode(String node) {
    this.node = node;
  }

  public String getService() {
    return service;
  }

  public void setService(String service) {
    this.service = service;
  }

  public String getEventType() {
    return eventType;
  }

  public void setEventType(String eventType) {
    this.eventType = eventType;
  }
}
