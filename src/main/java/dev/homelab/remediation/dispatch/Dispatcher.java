package dev.homelab.remediation.dispatch;

import java.io.IOException;
import java.nio.file.Path;

/** Writes the executor's files on the node. */
public interface Dispatcher {

  /** The two paths written (or found already written) for one action. */
  record Written(Path pendingAction, Path event, String eventTimestamp) {}

  /**
   * Writes the pending action (again, identically, on a retry) and emits the remediation_started
   * event unless one for this action id exists already.
   */
  Written dispatch(PendingAction action) throws IOException;
}
