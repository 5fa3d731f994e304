package dev.homelab.remediation.local;

import dev.homelab.remediation.dispatch.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * Local mode's Redis: the redis-server shipped in the embedded-redis artifact, on 127.0.0.1 and a
 * fixed port, keeping nothing on disk. Used only when REDIS_URL is not set.
 *
 * <p>Its process id is kept in the data directory ({@link #PID_FILE}) while it runs. A local mode
 * killed outright (SIGKILL, the OOM killer) cannot stop its redis-server, which then holds the port
 * with nothing to serve: the next local mode on the directory (which holds the directory's lock, so
 * the one before is gone) stops it first, if that process still is a redis-server.
 */
public final class LocalRedis implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalRedis.class);
  static final String PID_FILE = "redis.pid";

  private final RedisServer server;
  private final int port;
  private final Path pidFile;

  private LocalRedis(RedisServer server, int port, Path pidFile) {
    this.server = server;
    this.port = port;
    this.pidFile = pidFile;
  }

  /**
   * Starts it, keeping its process id in {@code dataDir} (whose left-over one {@link #stopLeftOver}
   * stopped before the ports were checked).
   *
   * @throws LocalStartException when the port is taken or redis-server cannot start here
   */
  public static LocalRedis start(int port, Path dataDir) {
    Path pidFile = dataDir.resolve(PID_FILE);
    Ports.requireFree(port, "the embedded Redis", "--redis-port", "LOCAL_REDIS_PORT");
    RedisServer server;
    try {
      server =
          RedisServer.newRedisServer()
              .port(port)
              .bind("127.0.0.1")
              .setting("save \"\"")
              .setting("appendonly no")
              // Read its output, or a chatty redis-server would block on a full pipe.
              .soutListener(line -> {})
              .serrListener(line -> {})
              .build();
      server.start();
    } catch (IOException | RuntimeException e) {
      throw new LocalStartException(
          "cannot start the embedded redis-server on 127.0.0.1:"
              + port
              + ": "
              + LocalCluster.rootMessage(e)
              + " (set REDIS_URL to use a Redis of your own instead)");
    }
    Optional<ProcessHandle> child =
        ProcessHandle.current().children().filter(LocalRedis::isRedisServer).findFirst();
    if (child.isPresent()) {
      try {
        AtomicFiles.write(pidFile, (child.get().pid() + "\n").getBytes(StandardCharsets.US_ASCII));
      } catch (IOException e) {
        LOG.atWarn()
            .addKeyValue("file", pidFile)
            .log("cannot keep the embedded redis-server's process id: {}", e.toString());
      }
    }
    return new LocalRedis(server, port, pidFile);
  }

  /**
   * Stops the redis-server a killed local mode left running from {@code dataDir} (named in its
   * {@link #PID_FILE}), if one still runs; then forgets the file. Call it holding the directory's
   * lock.
   */
  static void stopLeftOver(Path dataDir) {
    Path pidFile = dataDir.resolve(PID_FILE);
    if (!Files.exists(pidFile)) {
      return;
    }
    Optional<ProcessHandle> left;
    try {
      left =
          ProcessHandle.of(
              Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).strip()));
    } catch (IOException | NumberFormatException e) {
      left = Optional.empty();
    }
    left.filter(ProcessHandle::isAlive)
        .filter(LocalRedis::isRedisServer) // not a process that took the number since
        .ifPresent(
            h -> {
              Optional<String> command = h.info().command();
              h.destroy();
              try {
                h.onExit().get(5, TimeUnit.SECONDS);
              } catch (Exception e) {
                h.destroyForcibly();
              }
              LOG.atInfo()
                  .addKeyValue("pid", h.pid())
                  .log("stopped the embedded redis-server a killed local mode left running");
              command.ifPresent(LocalRedis::deleteExtracted);
            });
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException e) {
      // written over at start
    }
  }

  /**
   * The directory embedded-redis extracted that redis-server into ({@code <tmp>/redis-<digits>}),
   * which nothing else removes once its local mode was killed; anything else is left alone.
   */
  static void deleteExtracted(String command) {
    Path dir = Path.of(command).getParent();
    if (dir == null
        || dir.getParent() == null
        || !dir.getParent().equals(Path.of(System.getProperty("java.io.tmpdir")))
        || !dir.getFileName().toString().matches("redis-[0-9]+")) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      LOG.atDebug().addKeyValue("dir", dir).log("cannot remove: {}", e.toString());
    }
  }

  private static boolean isRedisServer(ProcessHandle h) {
    return h.info()
        .command()
        .map(c -> Path.of(c).getFileName().toString().startsWith("redis-server"))
        .orElse(false);
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (IOException e) {
      throw new IllegalStateException("cannot stop the embedded redis-server", e);
    }
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException e) {
      // the next start finds no redis-server under that number
    }
  }
}
