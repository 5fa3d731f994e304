package dev.homelab.remediation.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Whether a dispatched action helped: decided within OUTCOME_WINDOW after the dispatch. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OutcomeRecord {

  @JsonPropertyDescription(
      "Recovered (a benign event for the svcKey within the window), Recurred (an actionable event"
          + " for the svcKey within the window) or Unknown (the window ended with neither).")
  private String result;

  @JsonPropertyDescription("When the outcome was decided (RFC 3339).")
  private String at;

  @JsonPropertyDescription("What decided it.")
  private String detail;

  public String getResult() {
    return result;
  }

  public void setResult(String result) {
    this.result = result;
  }

  public String getAt() {
    return at;
  }

  public void setAt(String at) {
    this.at = at;
  }

  public String getDetail() {
    return detail;
  }

  public void setDetail(String detail) {
    this.detail = detail;
  }
}
