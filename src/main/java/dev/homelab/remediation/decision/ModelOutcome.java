package dev.homelab.remediation.decision;

import java.util.List;

/** What one walk of the model chain came to, as the phase machine sees it. */
public sealed interface ModelOutcome {

  /** A link answered; {@code failures} are the links before it that failed. */
  record Answered(SafetyPolicy.Answer answer, List<String> failures) implements ModelOutcome {
    public Answered {
      failures = List.copyOf(failures);
    }
  }

  /** Every link failed, one entry per link: {@code "<link>: <reason>"}. */
  record Failed(List<String> failures) implements ModelOutcome {
    public Failed {
      failures = List.copyOf(failures);
    }
  }
}
