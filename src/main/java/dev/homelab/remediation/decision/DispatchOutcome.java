package dev.homelab.remediation.decision;

/** What writing the executor's files came to. */
public sealed interface DispatchOutcome {

  record Written(String actionId, String pendingActionPath, String eventPath)
      implements DispatchOutcome {}

  /** Nothing was half-written; {@code why} says what failed (read-only, full, missing). */
  record Failed(String why) implements DispatchOutcome {}
}
