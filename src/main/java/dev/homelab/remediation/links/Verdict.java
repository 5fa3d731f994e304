package dev.homelab.remediation.links;

import dev.homelab.remediation.decision.Approvals;
import java.util.Optional;

/** What a link (or a command) decides: the word in its path and the annotation value it sets. */
public enum Verdict {
  APPROVE("approve", "approved"),
  REJECT("reject", "rejected");

  private final String path;
  private final String annotation;

  Verdict(String path, String annotation) {
    this.path = path;
    this.annotation = annotation;
  }

  /** The path segment of its link: {@code approve} or {@code reject}. */
  public String path() {
    return path;
  }

  /** The value of {@link Approvals#APPROVAL} a person would set: approved or rejected. */
  public String annotation() {
    return annotation;
  }

  public static Optional<Verdict> ofPath(String word) {
    for (Verdict v : values()) {
      if (v.path.equals(word)) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }
}
