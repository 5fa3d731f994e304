package dev.homelab.remediation.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Where the silence is in its window, as the operator last saw it. Written by merge patch. */
@JsonClassDescription(
    "Where the silence is in its window (Pending, Active, Expired, or Invalid with why), as the operator last saw it.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RemediationSilenceStatus {

  @JsonPropertyDescription(
      "Pending (before startsAt), Active, Expired (at or after endsAt; deleted RETENTION later) or"
          + " Invalid (startsAt or endsAt missing or not RFC 3339; it matches nothing).")
  private SilenceState state;

  @JsonPropertyDescription("Why the silence is Invalid; absent otherwise.")
  private String message;

  public RemediationSilenceStatus() {}

  public RemediationSilenceStatus(SilenceState state, String message) {
    this.state = state;
    this.message = message;
  }

  public SilenceState getState() {
    return state;
  }

  public void setState(SilenceState state) {
    this.state = state;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RemediationSilenceStatus s
        && state == s.state
        && Objects.equals(message, s.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(state, message);
  }
}
