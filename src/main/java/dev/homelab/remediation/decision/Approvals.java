package dev.homelab.remediation.decision;

import java.util.Map;
import java.util.Optional;

/** Reads the approval annotations a person (or a GitOps tool) sets on a proposal. */
public final class Approvals {
  public static final String APPROVAL = "remediation.homelab.dev/approval";
  public static final String APPROVED_BY = "remediation.homelab.dev/approved-by";

  public enum Verdict {
    APPROVED,
    REJECTED,
    /** The annotation is set to something else: it decides nothing. */
    UNKNOWN
  }

  /** A decision read from the annotations: the verdict and who gave it. */
  public record Decision(Verdict verdict, String value, String by) {}

  private Approvals() {}

  public static Optional<Decision> read(Map<String, String> annotations) {
    if (annotations == null) {
      return Optional.empty();
    }
    String raw = annotations.get(APPROVAL);
    if (raw == null || raw.isBlank()) {
      return Optional.empty();
    }
    // Exactly the two values of SPEC §6: an action that restarts things is not started on a
    // spelling nobody documented ("yes", "true", "Approved"); those get the warning Event instead.
    Verdict verdict =
        switch (raw.trim()) {
          case "approved" -> Verdict.APPROVED;
          case "rejected" -> Verdict.REJECTED;
          default -> Verdict.UNKNOWN;
        };
    String who = annotations.get(APPROVED_BY);
    String by = who == null || who.isBlank() ? "annotation" : "annotation:" + sanitize(who.trim());
    return Optional.of(new Decision(verdict, raw.trim(), by));
  }

  private static String sanitize(String who) {
    StringBuilder sb = new StringBuilder();
    for (char c : who.toCharArray()) {
      if (c >= 0x20 && c != 0x7f && sb.length() < 128) {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
