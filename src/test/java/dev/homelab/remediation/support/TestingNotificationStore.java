package dev.homelab.remediation.support;

import dev.homelab.remediation.api.v1alpha1.NotificationRecord;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.notify.NotificationStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link NotificationStore} that records every write and lists the proposals it is given. */
public final class TestingNotificationStore implements NotificationStore {
  /** One write of status.notification. */
  public record Write(String namespace, String name, NotificationRecord record) {}

  private final List<Write> writes = new CopyOnWriteArrayList<>();
  private volatile List<RemediationProposal> proposals = List.of();
  private volatile int lists;

  @Override
  public boolean record(String namespace, String name, NotificationRecord record) {
    writes.add(new Write(namespace, name, record));
    return true;
  }

  @Override
  public List<RemediationProposal> proposals() {
    lists++;
    return proposals;
  }

  public TestingNotificationStore withProposals(List<RemediationProposal> ps) {
    this.proposals = List.copyOf(ps);
    return this;
  }

  public List<Write> writes() {
    return List.copyOf(writes);
  }

  /** How many times the proposals were listed. */
  public int lists() {
    return lists;
  }
}
