package dev.homelab.remediation.notify;

import dev.homelab.remediation.api.v1alpha1.NotificationRecord;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import java.util.List;

/** Where the notifier records what it sent, and reads the proposals that wait after a restart. */
public interface NotificationStore {

  /**
   * Writes {@code status.notification} of the proposal, and only that field.
   *
   * @return false when the proposal is gone
   */
  boolean record(String namespace, String name, NotificationRecord record);

  /** The proposals of the watched namespace, read from the API server. */
  List<RemediationProposal> proposals();
}
