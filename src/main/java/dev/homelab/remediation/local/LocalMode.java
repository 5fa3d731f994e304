package dev.homelab.remediation.local;

import dev.homelab.remediation.config.ConfigException;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.config.Settings;
import dev.homelab.remediation.runtime.Running;
import dev.homelab.remediation.runtime.Wiring;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator on one machine: the embedded Kubernetes API (its objects kept in {@code
 * local-data/objects/}), the embedded Redis (unless REDIS_URL is set), the kubeconfig for kubectl,
 * and the same operator {@code run} starts, with the same {@code /healthz}, {@code /readyz} and
 * {@code /metrics} on 127.0.0.1.
 */
public final class LocalMode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalMode.class);
  private static final String LOOPBACK = "127.0.0.1";

  private final LocalSettings settings;
  private final LocalRedis redis;
  private final LocalCluster cluster;
  private final KubernetesClient client;
  private final Running running;
  private final DataDirLock lock;

  private LocalMode(
      LocalSettings settings,
      LocalRedis redis,
      LocalCluster cluster,
      KubernetesClient client,
      Running running,
      DataDirLock lock) {
    this.lock = lock;
    this.settings = settings;
    this.redis = redis;
    this.cluster = cluster;
    this.client = client;
    this.running = running;
  }

  /**
   * Takes the data directory's lock ({@link DataDirLock}), checks the ports and directories, then
   * starts everything; on a failure, stops what it had started.
   *
   * @param fresh drop the stored API objects first ({@code local --fresh})
   * @throws LocalStartException when another local mode uses the data directory, a port is taken, a
   *     directory is not writable, the stored objects cannot be read, or a part cannot start
   */
  public static LocalMode start(LocalSettings s, boolean fresh) {
    // The links on every interface: a phone on the home network opens them.
    return start(s, fresh, "0.0.0.0");
  }

  /** As {@link #start(LocalSettings, boolean)}, with the approval links on {@code linksAddress}. */
  public static LocalMode start(LocalSettings s, boolean fresh, String linksAddress) {
    requireWritableDir(s.dataDir(), "the local-mode data directory");
    DataDirLock lock = DataDirLock.take(s.dataDir());
    try {
      return start(s, fresh, lock, linksAddress);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private static LocalMode start(
      LocalSettings s, boolean fresh, DataDirLock lock, String linksAddress) {
    OperatorConfig cfg = s.operator();
    if (s.externalRedisUrl().isEmpty()) {
      // Before the ports are checked: a killed local mode's redis-server still holds its port.
      LocalRedis.stopLeftOver(s.dataDir());
    }
    Ports.requireFree(s.apiPort(), "the Kubernetes API", "--api-port", LocalSettings.API_PORT_ENV);
    if (s.externalRedisUrl().isEmpty()) {
      Ports.requireFree(
          s.redisPort(), "the embedded Redis", "--redis-port", LocalSettings.REDIS_PORT_ENV);
    }
    if (cfg.httpPort > 0) {
      Ports.requireFree(
          cfg.httpPort,
          "/healthz, /readyz and /metrics",
          "--http-port",
          Settings.HTTP_PORT.env() + " (0 turns them off)");
    }
    if (cfg.approvalLinksEnabled()) {
      Ports.requireFree(cfg.approvalPort, "the approval links", "APPROVAL_PORT");
    }
    requireWritableDir(cfg.pendingActionsDir, "PENDING_ACTIONS_DIR");
    requireWritableDir(cfg.eventsDir, "EVENTS_DIR");
    if (fresh) {
      try {
        new ObjectFiles(s.objectsDir()).clear();
      } catch (IOException e) {
        throw new LocalStartException("cannot empty " + s.objectsDir() + ": " + describe(e));
      }
    }
    LocalRedis redis = null;
    LocalCluster cluster = null;
    KubernetesClient client = null;
    try {
      redis = s.externalRedisUrl().isEmpty() ? LocalRedis.start(s.redisPort(), s.dataDir()) : null;
      cluster = LocalCluster.start(s.apiPort(), cfg.watchNamespace, s.objectsDir());
      try {
        Kubeconfig.write(s.kubeconfig(), cluster.url(), cfg.watchNamespace);
      } catch (IOException e) {
        throw new LocalStartException("cannot write " + s.kubeconfig() + ": " + describe(e));
      }
      client = cluster.newClient(cfg.watchNamespace);
      // The registry `run` uses, so /metrics answers with the same Prometheus text.
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      Running running;
      try {
        running =
            Running.start(
                new Wiring(cfg, client, registry, Clock.systemUTC(), false),
                LOOPBACK,
                linksAddress);
      } catch (ConfigException e) {
        throw new LocalStartException(e.getMessage());
      }
      return new LocalMode(s, redis, cluster, client, running, lock);
    } catch (RuntimeException e) {
      closeQuietly(client);
      closeQuietly(cluster);
      closeQuietly(redis);
      throw e;
    }
  }

  /** True once the operator has read the cluster and subscribed to Redis, within the timeout. */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!running.ready()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    return true;
  }

  public LocalSettings settings() {
    return settings;
  }

  public String apiUrl() {
    return cluster.url();
  }

  /** {@code http://127.0.0.1:<port>} of /healthz, /readyz and /metrics; empty when turned off. */
  public Optional<String> opsUrl() {
    int port = running.httpPort();
    return port > 0 ? Optional.of("http://" + LOOPBACK + ":" + port) : Optional.empty();
  }

  /** How many API objects were loaded from {@code local-data/objects/} at start. */
  public int restoredObjects() {
    return cluster.restored();
  }

  /** The Redis the operator listens to: the embedded one, or REDIS_URL. */
  public String redisUrl() {
    return redis != null ? redis.url() : settings.operator().redisUrl;
  }

  public boolean embeddedRedis() {
    return redis != null;
  }

  /** Stops the operator, then the API server, then Redis. */
  @Override
  public void close() {
    closeQuietly(running);
    closeQuietly(client);
    closeQuietly(cluster);
    closeQuietly(redis);
    lock.close();
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.atWarn()
          .addKeyValue("part", c.getClass().getSimpleName())
          .log("could not stop cleanly: {}", e.toString());
    }
  }

  /**
   * Creates the directory if missing and proves it writable with a probe file.
   *
   * @throws LocalStartException saying which directory and why
   */
  static void requireWritableDir(Path dir, String what) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new LocalStartException(
          what + " " + dir + " cannot be created: " + describe(e) + hint(what));
    }
    try {
      Path probe = Files.createTempFile(dir, ".write-check-", ".tmp");
      Files.delete(probe);
    } catch (IOException e) {
      throw new LocalStartException(
          what + " " + dir + " is not writable: " + describe(e) + hint(what));
    }
  }

  private static String hint(String what) {
    return what.endsWith("_DIR")
        ? "; set " + what + " to a directory you can write to"
        : "; run from a directory you can write to, or choose another with --data-dir or "
            + LocalSettings.DATA_DIR_ENV;
  }

  public static String describe(IOException e) {
    if (e instanceof FileAlreadyExistsException f) {
      return f.getFile() + " exists and is not a directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException f) {
      return Optional.ofNullable(f.getReason())
          .map(r -> f.getFile() + ": " + r)
          .orElse(f.getMessage());
    }
    return e.getMessage();
  }
}
