package dev.homelab.remediation.llm;

/** A link of the chain did not produce a valid proposal; the reason is short and log-safe. */
final class LinkFailure extends Exception {
  private static final long serialVersionUID = 1L;

  LinkFailure(String reason) {
    super(reason, null, false, false);
  }

  String reason() {
    return getMessage();
  }
}
