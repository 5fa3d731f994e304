package dev.homelab.remediation.ops;

import dev.homelab.remediation.util.DaemonThreads;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's part in leader election: its identity in the Lease, the timings of the elector,
 * the fence that stops every effect once the lease is lost, the watch of its own renewals that
 * raises the fence when they stall, and the release of the Lease on a graceful stop (JOSDK 5.2.3
 * does not expose Fabric8's {@code releaseOnCancel}; it always builds its elector with it off).
 */
public final class Leadership {
  private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String leaseName;
  private final String identity;
  private final Clock clock;
  private volatile boolean fenced;
  private ScheduledExecutorService renewals;

  public Leadership(
      KubernetesClient client, String namespace, String leaseName, String identity, Clock clock) {
    this.client = client;
    this.namespace = namespace;
    this.leaseName = leaseName;
    this.identity = identity;
    this.clock = clock;
  }

  /** How long the leader keeps trying to renew before it gives the lease up: 2/3 of the lease. */
  public static Duration renewDeadline(Duration lease) {
    return lease.multipliedBy(2).dividedBy(3);
  }

  /**
   * How often the leader renews and a standby retries: a fifth of the lease, at most 1 s, so a
   * standby takes a released Lease within about 2 s (it retries every 1 to 2.2 periods).
   */
  public static Duration retryPeriod(Duration lease) {
    Duration retry = lease.dividedBy(5);
    return retry.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : retry;
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
   * Watches this replica's own renewals while it leads, and calls {@code onStale} once, with the
   * reason, when it must stop before the elector would notice: the Lease is read every retry
   * period, and when it is held by another replica, or no renewal of ours has been read for the
   * renew deadline plus one retry period, the lease may be about to change hands while a renewal
   * stalls inside the client's retries (an API server restarting, a paused node). Counted from the
   * {@code renewTime} the elector wrote with this machine's clock, the fence is up a third of the
   * lease (less a period) before a standby may take the expired Lease. A read that fails or stalls
   * confirms nothing; the deadline is checked on a thread of its own every 100 ms.
   */
  public synchronized void watchRenewals(Duration lease, Consumer<String> onStale) {
    if (renewals != null || fenced) {
      return;
    }
    Duration period = retryPeriod(lease);
    long allowedMillis = renewDeadline(lease).plus(period).toMillis();
    Clock wall = Clock.systemUTC(); // the elector writes renewTime with the system clock
    RenewalWatch watch = new RenewalWatch(wall.instant());
    ScheduledExecutorService s =
        Executors.newScheduledThreadPool(2, DaemonThreads.named("lease-renewals"));
    s.scheduleWithFixedDelay(
        () -> watch.read(this::readLease, identity),
        period.toMillis(),
        period.toMillis(),
        TimeUnit.MILLISECONDS);
    s.scheduleWithFixedDelay(
        () -> {
          String why = watch.stale(wall.instant(), allowedMillis);
          if (why != null && !fenced && watch.fire()) {
            onStale.accept(why);
          }
        },
        100,
        100,
        TimeUnit.MILLISECONDS);
    renewals = s;
  }

  /**
   * Stops {@link #watchRenewals}: nothing is called after this returns but a check under way (not
   * interrupted: it may be the one calling); a read under way ends with the client's timeout.
   */
  public synchronized void stopWatchingRenewals() {
    if (renewals != null) {
      renewals.shutdown();
      renewals = null;
    }
  }

  private LeaseSpec readLease() {
    Lease lease = client.resources(Lease.class).inNamespace(namespace).withName(leaseName).get();
    return lease == null ? null : lease.getSpec();
  }

  /** What the reads of the Lease confirmed: the newest renewal of ours, or another holder. */
  private static final class RenewalWatch {
    private final AtomicBoolean fired = new AtomicBoolean();
    private volatile Instant renewed;
    private volatile boolean confirmed;
    private volatile String otherHolder;
    private volatile String lastFailure;
    private volatile Instant lastRead;

    RenewalWatch(Instant leadingSince) {
      this.renewed = leadingSince;
    }

    void read(Supplier<LeaseSpec> lease, String identity) {
      LeaseSpec spec;
      try {
        spec = lease.get();
      } catch (RuntimeException e) { // the API server, or the client closed on the way out
        lastFailure = e.getMessage();
        LOG.atDebug().log("could not read the lease to confirm a renewal: {}", e.getMessage());
        return;
      }
      lastFailure = null;
      lastRead = Instant.now();
      if (spec == null || spec.getRenewTime() == null) {
        return; // gone: the elector makes it again, or a standby does; either way not confirmed
      }
      String holder = spec.getHolderIdentity();
      if (identity.equals(holder)) {
        Instant at = spec.getRenewTime().toInstant();
        // The first read counts from the renewal itself, even before the watch began: the
        // acquisition may have been held up on its way.
        if (!confirmed || at.isAfter(renewed)) {
          renewed = at;
          confirmed = true;
        }
      } else if (holder != null && !holder.isEmpty()) {
        otherHolder = holder;
      }
    }

    /** True the first time only. */
    boolean fire() {
      return fired.compareAndSet(false, true);
    }

    /** Why this replica must stop now, or null while its lease is still its own. */
    String stale(Instant now, long allowedMillis) {
      String other = otherHolder;
      if (other != null) {
        return "the lease is held by " + other;
      }
      long since = now.toEpochMilli() - renewed.toEpochMilli();
      if (since > allowedMillis) {
        String failure = lastFailure;
        return "no renewal of the lease confirmed for "
            + since
            + " ms"
            + (failure != null
                ? " (reading it back fails: " + failure + ")"
                : lastRead != null && lastRead.isAfter(renewed)
                    ? " (it reads back, not renewed since)"
                    : " (reading it back hangs)");
      }
      return null;
    }
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
