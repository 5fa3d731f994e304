package dev.homelab.remediation.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** The remediation the operator proposes, after the safety policy. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProposedAction {

  @JsonPropertyDescription("What to do: restart, redeploy, notify or ignore.")
  private String action;

  @JsonPropertyDescription(
      "Executor type written to the pending action: restart_service, redeploy_service or notify.")
  private String executorType;

  @JsonPropertyDescription("Target of the action; always the event's own svcKey.")
  private String target;

  @JsonPropertyDescription("Why this action, in the words of the model (or the rules proposer).")
  private String reason;

  @JsonPropertyDescription("Confidence of the proposer, 0 to 1.")
  private Double confidence;

  @JsonPropertyDescription(
      "Whether a person must approve before anything is written for the executor.")
  private Boolean requiresHuman;

  @JsonPropertyDescription("Model that answered, as provider/model, or rules.")
  private String model;

  @JsonPropertyDescription("Safety-policy rules that changed the model's answer.")
  private List<String> policyRules;

  @JsonPropertyDescription(
      "When the proposer answered (RFC 3339); the svcKey's cooldown runs from here.")
  private String answeredAt;

  @JsonPropertyDescription("Models of the chain that failed before this answer, with the reason.")
  private List<String> failedModels;

  public String getAction() {
    return action;
  }

  public void setAction(String action) {
    this.action = action;
  }

  public String getExecutorType() {
    return executorType;
  }

  public void setExecutorType(String executorType) {
    this.executorType = executorType;
  }

  public String getTarget() {
    return target;
  }

  public void setTarget(String target) {
    this.target = target;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public Double getConfidence() {
    return confidence;
  }

  public void setConfidence(Double confidence) {
    this.confidence = confidence;
  }

  public Boolean getRequiresHuman() {
    return requiresHuman;
  }

  public void setRequiresHuman(Boolean requiresHuman) {
    this.requiresHuman = requiresHuman;
  }

  public String getModel() {
    return model;
  }

  public void setModel(String model) {
    this.model = model;
  }

  public String getAnsweredAt() {
    return answeredAt;
  }

  public void setAnsweredAt(String answeredAt) {
    this.answeredAt = answeredAt;
  }

  public List<String> getFailedModels() {
    return failedModels;
  }

  public void setFailedModels(List<String> failedModels) {
    this.failedModels = failedModels;
  }

  public List<String> getPolicyRules() {
    return policyRules;
  }

  public void setPolicyRules(List<String> policyRules) {
    this.policyRules = policyRules;
  }
}
