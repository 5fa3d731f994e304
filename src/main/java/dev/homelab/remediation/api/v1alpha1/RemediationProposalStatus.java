package dev.homelab.remediation.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * What the operator decided and did. Three writers own disjoint fields, each with a JSON merge
 * patch: the intake owns {@code occurrences}, {@code firstSeen}, {@code lastSeen} and {@code
 * recoveredAt}; the notifier owns {@code notification}; the reconciler owns the rest.
 */
@JsonClassDescription(
    "What the operator decided and did: the phase, the proposal after the safety policy, the events folded in, the approval, the files written, the outcome, and standard conditions.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RemediationProposalStatus {

  @JsonPropertyDescription(
      "Pending, Proposing, AwaitingApproval, Approved, Ignored, Rejected, Expired, Dispatched,"
          + " Failed, Resolved or Silenced.")
  private Phase phase;

  @JsonPropertyDescription("The proposal after the safety policy.")
  private ProposedAction proposal;

  @JsonPropertyDescription("Number of events folded into this incident, the first included.")
  private Long occurrences;

  @JsonPropertyDescription("When the earliest event of the incident was observed (RFC 3339).")
  private String firstSeen;

  @JsonPropertyDescription("When the latest event of the incident was observed (RFC 3339).")
  private String lastSeen;

  @JsonPropertyDescription(
      "When the latest benign event for the svcKey was observed (RFC 3339): it resolves an open"
          + " proposal, and is the Recovered outcome of a dispatched one.")
  private String recoveredAt;

  @JsonPropertyDescription("Whether the dispatched action helped: Recovered, Recurred or Unknown.")
  private OutcomeRecord outcome;

  @JsonPropertyDescription("The RemediationSilence that matched this incident (phase Silenced).")
  private String silencedBy;

  @JsonPropertyDescription("Who or what approved, rejected or expired the proposal, and when.")
  private ApprovalRecord approval;

  @JsonPropertyDescription(
      "When the proposal expires unless decided (RFC 3339): the model's answer plus APPROVAL_TTL,"
          + " fixed when it starts to await approval.")
  private String expiresAt;

  @JsonPropertyDescription(
      "Approval annotation value that was already set before the proposal awaited approval; it is"
          + " ignored until removed, so nothing is approved before its proposal can be seen.")
  private String staleApproval;

  @JsonPropertyDescription("Files written on the node for the executor.")
  private DispatchRecord dispatch;

  @JsonPropertyDescription(
      "When the proposal reached a final phase (RFC 3339); retention counts from here.")
  private String completedAt;

  @JsonPropertyDescription("Human-readable detail of the current phase (for Failed: why).")
  private String message;

  @JsonPropertyDescription(
      "Failed attempts of the current step so far: model chain walks while Failed, file writes"
          + " while Approved (reset when the step succeeds).")
  private Integer attempts;

  @JsonPropertyDescription(
      "When the failed step is tried next (RFC 3339): the chain RETRY_BASE_SECONDS doubling to"
          + " 30 min (a new event brings it forward, never sooner than the base delay after the"
          + " last attempt), the file write 2 s doubling to 5 min.")
  private String nextAttemptAt;

  @JsonPropertyDescription("When the failed step was last tried (RFC 3339).")
  private String lastAttemptAt;

  @JsonPropertyDescription(
      "The approval annotation (value@phase) already reported by a warning Event as changing"
          + " nothing, so it is reported once; emptied when the annotation is removed, so that"
          + " setting it again is reported again.")
  private String ignoredApproval;

  @JsonPropertyDescription(
      "occurrences when the chain last failed; a higher count means a new event arrived.")
  private Long occurrencesAtFailure;

  @JsonPropertyDescription(
      "The last notification sent to people (webhook, ntfy, Alertmanager) when the proposal"
          + " awaited approval, was decided or expired; written by the notifier only.")
  private NotificationRecord notification;

  @JsonPropertyDescription(
      "Standard Kubernetes conditions: Proposed, Approved, Dispatched, and Notified (derived from"
          + " status.notification).")
  private List<Condition> conditions;

  @JsonPropertyDescription("metadata.generation the status was computed from.")
  private Long observedGeneration;

  public Phase getPhase() {
    return phase;
  }

  public void setPhase(Phase phase) {
    this.phase = phase;
  }

  public ProposedAction getProposal() {
    return proposal;
  }

  public void setProposal(ProposedAction proposal) {
    this.proposal = proposal;
  }

  public Long getOccurrences() {
    return occurrences;
  }

  public void setOccurrences(Long occurrences) {
    this.occurrences = occurrences;
  }

  public String getFirstSeen() {
    return firstSeen;
  }

  public void setFirstSeen(String firstSeen) {
    this.firstSeen = firstSeen;
  }

  public String getLastSeen() {
    return lastSeen;
  }

  public void setLastSeen(String lastSeen) {
    this.lastSeen = lastSeen;
  }

  public String getRecoveredAt() {
    return recoveredAt;
  }

  public void setRecoveredAt(String recoveredAt) {
    this.recoveredAt = recoveredAt;
  }

  public OutcomeRecord getOutcome() {
    return outcome;
  }

  public void setOutcome(OutcomeRecord outcome) {
    this.outcome = outcome;
  }

  public String getSilencedBy() {
    return silencedBy;
  }

  public void setSilencedBy(String silencedBy) {
    this.silencedBy = silencedBy;
  }

  public ApprovalRecord getApproval() {
    return approval;
  }

  public void setApproval(ApprovalRecord approval) {
    this.approval = approval;
  }

  public String getExpiresAt() {
    return expiresAt;
  }

  public void setExpiresAt(String expiresAt) {
    this.expiresAt = expiresAt;
  }

  public DispatchRecord getDispatch() {
    return dispatch;
  }

  public void setDispatch(DispatchRecord dispatch) {
    this.dispatch = dispatch;
  }

  public String getStaleApproval() {
    return staleApproval;
  }

  public void setStaleApproval(String staleApproval) {
    this.staleApproval = staleApproval;
  }

  public String getCompletedAt() {
    return completedAt;
  }

  public void setCompletedAt(String completedAt) {
    this.completedAt = completedAt;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public Integer getAttempts() {
    return attempts;
  }

  public void setAttempts(Integer attempts) {
    this.attempts = attempts;
  }

  public String getNextAttemptAt() {
    return nextAttemptAt;
  }

  public void setNextAttemptAt(String nextAttemptAt) {
    this.nextAttemptAt = nextAttemptAt;
  }

  public String getLastAttemptAt() {
    return lastAttemptAt;
  }

  public void setLastAttemptAt(String lastAttemptAt) {
    this.lastAttemptAt = lastAttemptAt;
  }

  public String getIgnoredApproval() {
    return ignoredApproval;
  }

  public void setIgnoredApproval(String ignoredApproval) {
    this.ignoredApproval = ignoredApproval;
  }

  public Long getOccurrencesAtFailure() {
    return occurrencesAtFailure;
  }

  public void setOccurrencesAtFailure(Long occurrencesAtFailure) {
    this.occurrencesAtFailure = occurrencesAtFailure;
  }

  public NotificationRecord getNotification() {
    return notification;
  }

  public void setNotification(NotificationRecord notification) {
    this.notification = notification;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }
}
