package dev.homelab.remediation.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** The last notification of the human loop sent for a proposal, as the notifier recorded it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NotificationRecord {

  /** Every target took the notification. */
  public static final String SENT = "Sent";

  /** At least one target gave it up (the message says which and why). */
  public static final String FAILED = "Failed";

  @JsonPropertyDescription("What was notified: awaiting_approval, decided or expired.")
  private String event;

  @JsonPropertyDescription("The targets notified: webhook, ntfy, alertmanager.")
  private List<String> targets;

  @JsonPropertyDescription("Sent when every target took it; Failed when one gave it up.")
  private String result;

  @JsonPropertyDescription("When the last target answered or was given up (RFC 3339).")
  private String at;

  @JsonPropertyDescription("Each target's outcome, e.g. 'webhook: sent; ntfy: failed (HTTP 500)'.")
  private String message;

  public String getEvent() {
    return event;
  }

  public void setEvent(String event) {
    this.event = event;
  }

  public List<String> getTargets() {
    return targets;
  }

  public void setTargets(List<String> targets) {
    this.targets = targets;
  }

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

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
