package dev.homelab.remediation.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/**
 * What a silence matches. An absent matcher matches anything, as {@code *} does; the API server
 * writes {@code *} for one that is left out (the CRD's default), so {@code kubectl get rsil} shows
 * it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SilenceMatchers {

  @JsonPropertyDescription(
      "Node name, exact or a glob where * matches any run of characters (case-insensitive);"
          + " * (the default): any node.")
  @Default("\"*\"")
  private String node;

  @JsonPropertyDescription(
      "Service name, exact or a * glob (case-insensitive); * (the default): any service. A"
          + " node-level event (no service) is matched only when this is *.")
  @Default("\"*\"")
  private String service;

  @JsonPropertyDescription(
      "Event type, exact or a * glob (case-insensitive), e.g. service_unhealthy or container_*;"
          + " * (the default): any event type.")
  @Default("\"*\"")
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
