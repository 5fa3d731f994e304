package dev.homelab.remediation.ops;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's part in leader election: its identity in the Lease, the fence that stops every
 * effect once the lease is lost, and the release of the Lease on a graceful stop (JOSDK 5.2.3 does
 * not expose Fabric8's {@code releaseOnCancel}; it always builds its elector with it off).
 */
public final class Leadership {
  private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String leaseName;
  private final String identity;
  private final Clock clock;
  private volatile boolean fenced;

  public Leadership(
      KubernetesClient client, String namespace, String leaseName, String identity, Clock clock) {
    this.client = client;
    this.namespace = namespace;
    this.leaseName = leaseName;
    this.identity = identity;
    this.clock = clock;
  }

  /** The holder identity this replica writes into the Lease. */
  public String identity() {
    return identity;
  }

  /** True once this replica must have no further effect on the cluster, the model or the disk. */
  public boolean fenced() {
    return fenced;
  }

  /** From now on {@link #fenced()} is true; there is no way back (the process is done leading). */
  public void fence() {
    fenced = true;
  }

  /**
   * Frees the Lease if this replica still holds it, the way client-go's ReleaseOnCancel does: no
   * holder, a duration of 1 s, renewed now. Fabric8's and client-go's electors both take a Lease
   * without holder at their next retry, instead of waiting for it to expire. The update carries the
   * resourceVersion that was read, so a Lease that changed hands meanwhile is left alone (409).
   *
   * @return true when the Lease was released
   */
  public boolean release() {
    try {
      Lease lease = client.resources(Lease.class).inNamespace(namespace).withName(leaseName).get();
      LeaseSpec spec = lease == null ? null : lease.getSpec();
      if (spec == null || !identity.equals(spec.getHolderIdentity())) {
        LOG.atInfo()
            .addKeyValue("lease", leaseName)
            .addKeyValue("holder", spec == null ? null : spec.getHolderIdentity())
            .log("not releasing the lease: this replica does not hold it");
        return false;
      }
      ZonedDateTime now = ZonedDateTime.now(clock.withZone(ZoneOffset.UTC));
      spec.setHolderIdentity(null);
      spec.setLeaseDurationSeconds(1);
      spec.setAcquireTime(now);
      spec.setRenewTime(now);
      client.resource(lease).update();
      LOG.atInfo().addKeyValue("lease", leaseName).log("released the lease");
      return true;
    } catch (KubernetesClientException e) {
      LOG.atWarn()
          .addKeyValue("lease", leaseName)
          .addKeyValue("status", e.getCode())
          .log(
              "could not release the lease; a standby takes it once it expires: {}",
              e.getMessage());
      return false;
    }
  }
}
