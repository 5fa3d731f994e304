package dev.homelab.remediation.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the operator wrote on the node for the executor. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DispatchRecord {

  @JsonPropertyDescription("Stable id of the pending action (also its file name without .json).")
  private String actionId;

  @JsonPropertyDescription("Path of the pending-action file written on the node.")
  private String pendingActionPath;

  @JsonPropertyDescription("Path of the remediation_started event file written on the node.")
  private String eventPath;

  @JsonPropertyDescription("When both files were written (RFC 3339).")
  private String at;

  @JsonPropertyDescription("occurrences when the files were written.")
  private Long occurrences;

  public Long getOccurrences() {
    return occurrences;
  }

  public void setOccurrences(Long occurrences) {
    this.occurrences = occurrences;
  }

  public String getActionId() {
    return actionId;
  }

  public void setActionId(String actionId) {
    this.actionId = actionId;
  }

  public String getPendingActionPath() {
    return pendingActionPath;
  }

  public void setPendingActionPath(String pendingActionPath) {
    this.pendingActionPath = pendingActionPath;
  }

  public String getEventPath() {
    return eventPath;
  }

  public void setEventPath(String eventPath) {
    this.eventPath = eventPath;
  }

  public String getAt() {
    return at;
  }

  public void setAt(String at) {
    this.at = at;
  }
}
