package dev.homelab.remediation.local;

import java.io.IOException;
import redis.embedded.RedisServer;

/**
 * Local mode's Redis: the redis-server shipped in the embedded-redis artifact, on 127.0.0.1 and a
 * fixed port, keeping nothing on disk. Used only when REDIS_URL is not set.
 */
public final class LocalRedis implements AutoCloseable {
  private final RedisServer server;
  private final int port;

  private LocalRedis(RedisServer server, int port) {
    this.server = server;
    this.port = port;
  }

  /**
   * @throws LocalStartException when the port is taken or redis-server cannot start here
   */
  public static LocalRedis start(int port) {
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
    return new LocalRedis(server, port);
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
  }
}
