package dev.homelab.remediation.runtime;

import dev.homelab.remediation.config.ConfigException;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.config.Settings;
import dev.homelab.remediation.ingest.WatchedProposals;
import dev.homelab.remediation.links.ApprovalServer;
import dev.homelab.remediation.ops.Check;
import dev.homelab.remediation.ops.Heartbeat;
import dev.homelab.remediation.ops.Leadership;
import dev.homelab.remediation.ops.OpsServer;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running operator: the JOSDK controller, the Redis intake (only while this instance holds the
 * lease), the operations endpoints and the heartbeat.
 */
public final class Running implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Running.class);

  private final Wiring wiring;
  private final String opsAddress;
  private final String linksAddress;
  private final Leadership leadership;
  private final Object lock = new Object();
  private volatile Controller controller;

  /** The reconciler's cache of proposals, read by the intake too. */
  private final WatchedProposals proposals = new WatchedProposals();

  private volatile Intake intake;
  private volatile boolean leader;
  private volatile boolean closing;
  private volatile boolean stoppingController;
  private volatile boolean lost;
  private final AtomicBoolean lossHandled = new AtomicBoolean();
  private volatile RuntimeException startFailure;
  private OpsServer ops;
  private ApprovalServer links;
  private Heartbeat heartbeat;

  private Running(Wiring wiring, String opsAddress, String linksAddress) {
    this.wiring = wiring;
    this.opsAddress = opsAddress;
    this.linksAddress = linksAddress;
    OperatorConfig cfg = wiring.config();
    this.leadership =
        new Leadership(
            wiring.client(),
            cfg.watchNamespace,
            cfg.leaseName,
            cfg.nodeName + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()),
            wiring.clock());
  }

  private void start() {
    OperatorConfig cfg = wiring.config();
    controller =
        Controller.start(
            wiring, leadership, proposals, this::onStartLeadingElected, this::onStopLeading);
    if (!cfg.leaderElection) {
      onStartLeading();
    }
    if (cfg.httpPort > 0) {
      try {
        ops =
            new OpsServer(
                opsAddress, cfg.httpPort, this::liveness, this::readiness, wiring.registry());
      } catch (IOException e) {
        close();
        throw new ConfigException(
            Settings.HTTP_PORT.env(),
            "cannot listen on port " + cfg.httpPort + ": " + e.getMessage());
      }
      ops.start();
    }
    if (cfg.approvalLinksEnabled()) {
      try {
        links = ApprovalServer.start(cfg, linksAddress, wiring.client(), wiring.clock());
      } catch (IOException e) {
        close();
        throw new ConfigException(
            Settings.APPROVAL_PORT.env(),
            "cannot listen on port " + cfg.approvalPort + ": " + e.getMessage());
      }
    }
    cfg.heartbeatFile.ifPresent(
        f -> {
          heartbeat = new Heartbeat(f, this::liveness, wiring.clock());
          heartbeat.start(cfg.heartbeatInterval);
        });
  }

  /** Whether the silence that made a proposal Silenced still holds (SilenceCache#active). */
  private boolean silenceActive(String name) {
    Controller c = controller;
    return c == null || c.silences().active(name, wiring.clock().instant());
  }

  /**
   * The elector took the Lease. The renewals are watched from now on; the intake starts on a thread
   * of its own, as the elector calls this on its only thread and renews only once it returns (an
   * intake waiting for its informer would hold the renewals up).
   */
  private void onStartLeadingElected() {
    if (closing || lost) {
      return;
    }
    leadership.watchRenewals(
        wiring.config().leaseDuration,
        why -> loseLease(why + "; stopping all work before another replica can take it"));
    Thread t = new Thread(this::onStartLeading, "intake-start");
    t.setDaemon(true);
    t.start();
  }

  private void onStartLeading() {
    synchronized (lock) {
      if (closing || lost || intake != null) {
        return;
      }
      LOG.atInfo()
          .addKeyValue("lease", wiring.config().leaseName)
          .log("leading: starting the intake");
      Intake started;
      try {
        started = Intake.start(wiring, proposals, this::silenceActive);
      } catch (RuntimeException e) {
        if (lossHandled.get()) {
          return; // fenced meanwhile: that is what ended it
        }
        // A leader that cannot work must not hold the lease: fail liveness and hand over.
        startFailure = e;
        LOG.error("cannot start the intake; giving up the lease", e);
        wiring.onLeadershipLost().run();
        return;
      }
      if (leadership.fenced()) {
        started.abort(); // the lease was lost while it started: it writes nothing
        return;
      }
      intake = started;
      leader = true;
    }
  }

  /**
   * The lease is lost (another replica may lead already), or {@link #close} stops the elector. On a
   * loss nothing may happen any more: {@code run} halts the process; in-process the reconciler is
   * fenced, the model router stopped and the intake dropped without a write.
   */
  private void onStopLeading() {
    loseLease("lost the lease; stopping all work at once, another replica takes over");
  }

  /**
   * The lease is lost, or its renewals stall so long that it may be lost before the elector notices
   * (Leadership#watchRenewals): at most once, every effect stops.
   */
  private void loseLease(String why) {
    if (stoppingController || !lossHandled.compareAndSet(false, true)) {
      return; // close() releases the lease itself, once everything has stopped
    }
    leadership.fence();
    leadership.stopWatchingRenewals();
    LOG.error(why);
    wiring.onLeadershipLost().run();
    Intake dropped;
    synchronized (lock) {
      lost = true;
      leader = false;
      dropped = intake;
      intake = null;
    }
    if (dropped != null) {
      dropped.abort(); // first: the intake's writes do not look at the fence
    }
    Controller c = controller;
    if (c != null) {
      c.router().close();
    }
  }

  /** The intake while this instance leads; null on standby. */
  public Intake intake() {
    return intake;
  }

  public boolean leader() {
    return leader;
  }

  /** The port of the operations endpoints (useful when HTTP_PORT was taken as a free port). */
  public int httpPort() {
    return ops == null ? 0 : ops.port();
  }

  /** The port of the approval links, or 0 when they are off. */
  public int linksPort() {
    return links == null ? 0 : links.port();
  }

  public Check liveness() {
    if (closing) {
      return Check.failing("shutting down");
    }
    if (lost) {
      return Check.failing("lost the lease; this replica does no more work");
    }
    if (startFailure != null) {
      return Check.failing("the intake could not start: " + startFailure.getMessage());
    }
    Intake i = intake;
    if (leader && (i == null || !i.alive())) {
      return Check.failing("the Redis intake is not running");
    }
    return Check.ok(leader ? "leader" : "standby");
  }

  public Check readiness() {
    if (closing) {
      return Check.failing("shutting down");
    }
    if (lost) {
      return Check.failing("lost the lease; this replica does no more work");
    }
    Intake i = intake;
    if (!leader) {
      return Check.ok("standby: waiting for lease " + wiring.config().leaseName);
    }
    if (i != null && i.ready()) {
      return Check.ok("leader: informers synced, Redis subscribed");
    }
    if (i != null && i.wasReady()) {
      // Still serving what a Service sends here (approval links, metrics) and still deciding and
      // dispatching: a Redis outage takes it out of no Service; the gap is logged and counted.
      return Check.ok(
          "leader: Redis subscription lost, reconnecting (events published meanwhile are lost);"
              + " approvals, dispatch and metrics go on");
    }
    return Check.failing("leader, but informers not synced or Redis not subscribed yet");
  }

  /** True when this instance leads and its intake is synced and subscribed. */
  public boolean ready() {
    Intake i = intake;
    return leader && i != null && i.ready();
  }

  /**
   * Stops taking events, finishes queued ones and writes folded counts while still leading, stops
   * the controller and the model router, then releases the Lease so a standby leads at its next
   * retry instead of after the lease expires.
   */
  @Override
  public void close() {
    closing = true;
    if (heartbeat != null) {
      heartbeat.close();
    }
    // The intake stays in place while it drains, so a lease lost meanwhile aborts it. Read under
    // the lock: an intake starting just now is there once it is, and none starts after closing.
    Intake i;
    synchronized (lock) {
      i = intake;
    }
    if (i != null) {
      i.close();
    }
    synchronized (lock) {
      intake = null;
      leader = false;
    }
    Controller c = controller;
    if (c != null) {
      stoppingController = true;
      leadership.stopWatchingRenewals(); // the elector stops renewing now
      c.close();
    }
    leadership.fence();
    leadership.stopWatchingRenewals();
    if (c != null && wiring.config().leaderElection && !lost) {
      leadership.release();
    }
    if (ops != null) {
      ops.close();
    }
    if (links != null) {
      links.close();
    }
  }

  /**
   * Wires and starts the whole operator, its operations endpoints and approval links on every
   * interface (a pod's probes, Prometheus and an ingress reach them there); the intake starts once
   * this instance leads.
   */
  public static Running start(Wiring w) {
    return start(w, "0.0.0.0", "0.0.0.0");
  }

  /**
   * As {@link #start(Wiring)}, with the operations endpoints bound to {@code opsAddress} and the
   * approval links to {@code linksAddress}.
   */
  public static Running start(Wiring w, String opsAddress, String linksAddress) {
    Running running = new Running(w, opsAddress, linksAddress);
    running.start();
    return running;
  }
}
