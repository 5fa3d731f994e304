package dev.homelab.remediation.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** The normalised health event that opened the incident. Written once, at creation. */
@JsonClassDescription(
    "The normalised health event that opened the incident, as the operator received it. Written once at creation; it does not change.")
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.svcKey == (has(self.service) ? self.node + '/' + self.service : self.node)",
    message =
        "svcKey must be node/service, or node for a node-level event: the safety policy reads the"
            + " node, the action targets the svcKey")
@ValidationRule(
    value =
        "has(self.service) == has(oldSelf.service) && has(self.severity) == has(oldSelf.severity)"
            + " && has(self.message) == has(oldSelf.message)"
            + " && has(self.sourceChannel) == has(oldSelf.sourceChannel)",
    message =
        "service, severity, message and sourceChannel cannot be added or removed: the spec is the"
            + " event that opened the incident")
public class RemediationProposalSpec {
  /** SPEC 2's node and service names, as the intake writes them (lower case). */
  public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$";

  @Required
  @JsonPropertyDescription("Service key: <node>/<service>, or <node> for a node-level event.")
  @Size(max = 127)
  @ValidationRule(
      value = "self == oldSelf",
      message = "svcKey is immutable: the spec is the event that opened the incident")
  private String svcKey;

  @Required
  @JsonPropertyDescription("Node the event is about (DNS-1123-like, lower case).")
  @Pattern(NAME_PATTERN)
  @Size(max = 63)
  @ValidationRule(
      value = "self == oldSelf",
      message = "node is immutable: the spec is the event that opened the incident")
  private String node;

  @JsonPropertyDescription("Service the event is about; absent for node-level events.")
  @Pattern(NAME_PATTERN)
  @Size(max = 63)
  @ValidationRule(
      value = "self == oldSelf",
      message = "service is immutable: the spec is the event that opened the incident")
  private String service;

  @Required
  @JsonPropertyDescription(
      "Event type as published: event_type (node agent) or type (control plane), e.g. service_unhealthy.")
  @ValidationRule(
      value = "self == oldSelf",
      message = "eventType is immutable: the spec is the event that opened the incident")
  private String eventType;

  @JsonPropertyDescription(
      "Severity as published (info, warning, error, critical); warning when absent.")
  @ValidationRule(
      value = "self == oldSelf",
      message = "severity is immutable: the spec is the event that opened the incident")
  private String severity;

  @JsonPropertyDescription("Human-readable message of the event, if any.")
  @ValidationRule(
      value = "self == oldSelf",
      message = "message is immutable: the spec is the event that opened the incident")
  private String message;

  @JsonPropertyDescription("Redis channel the event arrived on (health_events or world_updates).")
  @ValidationRule(
      value = "self == oldSelf",
      message = "sourceChannel is immutable: the spec is the event that opened the incident")
  private String sourceChannel;

  @Required
  @JsonPropertyDescription(
      "When the event was observed (RFC 3339, UTC); the time of receipt when the event had none,"
          + " or one ahead of the operator's clock.")
  @ValidationRule(
      value = "self == oldSelf",
      message = "observedAt is immutable: the spec is the event that opened the incident")
  private String observedAt;

  @JsonPropertyDescription(
      "The event's details object (node agent) or data object (control plane), kept as given.")
  @PreserveUnknownFields
  private JsonNode details;

  @JsonPropertyDescription("Fields of the event the operator does not know, kept as given.")
  @PreserveUnknownFields
  private JsonNode extra;

  public String getSvcKey() {
    return svcKey;
  }

  public void setSvcKey(String svcKey) {
    this.svcKey = svcKey;
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

  public String getSeverity() {
    return severity;
  }

  public void setSeverity(String severity) {
    this.severity = severity;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getSourceChannel() {
    return sourceChannel;
  }

  public void setSourceChannel(String sourceChannel) {
    this.sourceChannel = sourceChannel;
  }

  public String getObservedAt() {
    return observedAt;
  }

  public void setObservedAt(String observedAt) {
    this.observedAt = observedAt;
  }

  public JsonNode getDetails() {
    return details;
  }

  public void setDetails(JsonNode details) {
    this.details = details;
  }

  public JsonNode getExtra() {
    return extra;
  }

  public void setExtra(JsonNode extra) {
    this.extra = extra;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RemediationProposalSpec)) {
      return false;
    }
    RemediationProposalSpec that = (RemediationProposalSpec) o;
    return Objects.equals(svcKey, that.svcKey)
        && Objects.equals(node, that.node)
        && Objects.equals(service, that.service)
        && Objects.equals(eventType, that.eventType)
        && Objects.equals(severity, that.severity)
        && Objects.equals(message, that.message)
        && Objects.equals(sourceChannel, that.sourceChannel)
        && Objects.equals(observedAt, that.observedAt)
        && Objects.equals(details, that.details)
        && Objects.equals(extra, that.extra);
  }

  @Override
  public int hashCode() {
    return Objects.hash(svcKey, node, service, eventType, observedAt);
  }
}
