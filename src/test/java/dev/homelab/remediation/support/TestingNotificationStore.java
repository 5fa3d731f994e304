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
  private final java.util.concurrent.atomic.AtomicInteger failLists =
      new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public boolean record(String namespace, String name, NotificationRecord record) {
    writes.add(new Write(namespace, name, record));
    return true;
  }

  @Override
  public List<RemediationProposal> proposals() {
    lists++;
    if (failLists.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new io.fabric8.kubernetes.client.KubernetesClientException(
          "service unavailable", 503, null);
    }
    return proposals;
  }

  /** The next {@code n} listings fail as an API server just restarting answers (503). */
  public TestingNotificationStore failingLists(int n) {
    failLists.set(n);
    return this;
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
