package dev.homelab.remediation.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Who or what decided the proposal, and when. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ApprovalRecord {

  @JsonPropertyDescription("approved, rejected or expired.")
  private String decision;

  @JsonPropertyDescription("Who decided: annotation:<name>, annotation, policy or ttl.")
  private String by;

  @JsonPropertyDescription("When the decision was taken (RFC 3339).")
  private String at;

  public String getDecision() {
    return decision;
  }

  public void setDecision(String decision) {
    this.decision = decision;
  }

  public String getBy() {
    return by;
  }

  public void setBy(String by) {
    this.by = by;
  }

  public String getAt() {
    return at;
  }

  public void setAt(String at) {
    this.at = at;
  }
}
