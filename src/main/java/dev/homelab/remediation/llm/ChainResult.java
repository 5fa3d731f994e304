package dev.homelab.remediation.llm;

import java.util.List;
import java.util.Objects;

/** The outcome of walking the chain once. */
public sealed interface ChainResult {

  /** Every failure on the way, in chain order, each {@code "<link name>: <reason>"}. */
  List<String> failures();

  /**
   * A link answered with a valid proposal.
   *
   * @param failures the links before it that failed, {@code "<link name>: <reason>"}
   */
  record Answered(ModelAnswer answer, List<String> failures) implements ChainResult {
    public Answered {
      Objects.requireNonNull(answer, "answer");
      failures = List.copyOf(failures);
    }
  }

  /**
   * Every link failed.
   *
   * @param failures one entry per link, in chain order, {@code "<link name>: <reason>"}
   */
  record Failed(List<String> failures) implements ChainResult {
    public Failed {
      failures = List.copyOf(failures);
    }

    /** All failures in one line, for a status reason or a log. */
    public String summary() {
      return String.join("; ", failures);
    }
  }
}
