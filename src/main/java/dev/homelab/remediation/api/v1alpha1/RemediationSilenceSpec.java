package dev.homelab.remediation.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Which incidents a silence matches, and when. */
@JsonClassDescription(
    "Which incidents are silenced (matchers, exact or with * globs) and when (startsAt, endsAt), by whom and why.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RemediationSilenceSpec {
  /** RFC 3339 with seconds and an offset or Z, as the API server is told to accept. */
  public static final String RFC_3339 =
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$";

  @JsonPropertyDescription(
      "Which incidents are silenced: node, service and eventType, each exact or a * glob;"
          + " absent matchers match anything.")
  private SilenceMatchers matchers;

  @Pattern(RFC_3339)
  @JsonPropertyDescription(
      "When the silence starts (RFC 3339, e.g. 2026-05-27T17:00:00Z); absent: it is active from"
          + " creation.")
  private String startsAt;

  @Required
  @Pattern(RFC_3339)
  @JsonPropertyDescription(
      "When the silence ends (RFC 3339); it is active while startsAt <= now < endsAt, and is"
          + " deleted RETENTION after it ended.")
  private String endsAt;

  @JsonPropertyDescription("Who created the silence (the CLI writes the caller's identity).")
  private String createdBy;

  @JsonPropertyDescription("Why the silence exists, e.g. a maintenance window.")
  private String comment;

  public SilenceMatchers getMatchers() {
    return matchers;
  }

  public void setMatchers(SilenceMatchers matchers) {
    this.matchers = matchers;
  }

  public String getStartsAt() {
    return startsAt;
  }

  public void setStartsAt(String startsAt) {
    this.startsAt = startsAt;
  }

  public String getEndsAt() {
    return endsAt;
  }

  public void setEndsAt(String endsAt) {
    this.endsAt = endsAt;
  }

  public String getCreatedBy() {
    return createdBy;
  }

  public void setCreatedBy(String createdBy) {
    this.createdBy = createdBy;
  }

  public String getComment() {
    return comment;
  }

  public void setComment(String comment) {
    this.comment = comment;
  }
}
