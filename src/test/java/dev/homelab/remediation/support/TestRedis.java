package dev.homelab.remediation.support;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import redis.embedded.RedisServer;

/**
 * A real redis-server process on a free loopback port: the system's redis-server when there is one,
 * else the one shipped in the embedded-redis artifact. Can be stopped and started again on the same
 * port.
 */
public final class TestRedis implements AutoCloseable {
  private final int port;
  private final String password;
  private final Path systemBinary;
  private Process process;
  private RedisServer embedded;
  private RedisClient client;
  private StatefulRedisConnection<String, byte[]> connection;

  public TestRedis() {
    this(null);
  }

  /** A server that requires {@code password} (AUTH), or none when null. */
  public TestRedis(String password) {
    this.password = password;
    this.port = freePort();
    this.systemBinary = findOnPath("redis-server");
    start();
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path findOnPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public synchronized void start() {
    try {
      if (systemBinary != null) {
        List<String> cmd =
            new ArrayList<>(List.of(systemBinary.toString(), "--port", Integer.toString(port)));
        cmd.addAll(List.of("--bind", "127.0.0.1", "--save", "", "--appendonly", "no"));
        if (password != null) {
          cmd.addAll(List.of("--requirepass", password));
        }
        process =
            new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
      } else {
        embedded =
            RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("save \"\"")
                .setting("appendonly no")
                .settingIf(password != null, "requirepass " + password)
                .build();
        embedded.start();
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server", e);
    }
    awaitListening(Duration.ofSeconds(10));
  }

  private void awaitListening(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        if (s.isConnected()) {
          return;
        }
      } catch (IOException e) {
        try {
          TimeUnit.MILLISECONDS.sleep(20);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    throw new IllegalStateException("redis-server did not listen on port " + port);
  }

  public synchronized void stop() {
    if (connection != null) {
      connection.close();
      client.shutdown();
      connection = null;
      client = null;
    }
    try {
      if (process != null) {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
        process = null;
      }
      if (embedded != null) {
        embedded.stop();
        embedded = null;
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private synchronized StatefulRedisConnection<String, byte[]> connection() {
    if (connection == null) {
      io.lettuce.core.RedisURI uri = io.lettuce.core.RedisURI.create(url());
      if (password != null) {
        uri.setAuthentication(password.toCharArray());
      }
      client = RedisClient.create(uri);
      connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
    }
    return connection;
  }

  /** Connections the server has accepted since it started (INFO stats). */
  public long connectionsReceived() {
    String info = new String(connection().sync().info("stats").getBytes(StandardCharsets.UTF_8));
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("total_connections_received:")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    throw new IllegalStateException("no total_connections_received in INFO stats");
  }

  /** Connections refused for maxclients since the server started (INFO stats). */
  public long rejectedConnections() {
    return infoField("stats", "rejected_connections");
  }

  /** Clients connected now (INFO clients). */
  public long connectedClients() {
    return infoField("clients", "connected_clients");
  }

  /** CONFIG SET maxclients: connections past {@code n} are refused, open ones stay. */
  public void maxClients(int n) {
    connection().sync().configSet("maxclients", Integer.toString(n));
  }

  private long infoField(String section, String field) {
    for (String line : connection().sync().info(section).split("\r?\n")) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    throw new IllegalStateException("no " + field + " in INFO " + section);
  }

  /** Calls of {@code command} (for example "client") the server has served (INFO commandstats). */
  public long commandCalls(String command) {
    String info = connection().sync().info("commandstats");
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("cmdstat_" + command + ":")) {
        int at = line.indexOf("calls=") + 6;
        int end = line.indexOf(',', at);
        return Long.parseLong(line.substring(at, end < 0 ? line.length() : end));
      }
    }
    return 0;
  }

  /**
   * Gives the default user a password (Redis 6+): a client that logs in as the default user with
   * any other password is refused. This instance's own connection stays logged in.
   */
  public void setDefaultPassword(String password) {
    connection().sync().aclSetuser("default", allowedEverything(password).resetpass());
  }

  /** Adds an ACL user (Redis 6+) allowed every command, key and channel. */
  public void addUser(String name, String password) {
    connection().sync().aclSetuser(name, allowedEverything(password));
  }

  private static io.lettuce.core.AclSetuserArgs allowedEverything(String password) {
    return io.lettuce.core.AclSetuserArgs.Builder.on()
        .addPassword(password)
        .allKeys()
        .allChannels()
        .allCommands();
  }

  /** The most any pub/sub subscriber has in Redis's output buffer now (CLIENT LIST, omem). */
  public long subscriberOutputBuffer() {
    long most = 0;
    for (String line : connection().sync().clientList().split("\n")) {
      int at = line.indexOf(" omem=");
      if (line.contains(" flags=P") && at >= 0) {
        int end = line.indexOf(' ', at + 6);
        most =
            Math.max(most, Long.parseLong(line.substring(at + 6, end < 0 ? line.length() : end)));
      }
    }
    return most;
  }

  /** Adds an ACL user allowed everything but {@code CLIENT} (as some managed Redis services). */
  public void addUserWithoutClientCommand(String name, String password) {
    connection()
        .sync()
        .aclSetuser(
            name,
            allowedEverything(password).removeCommand(io.lettuce.core.protocol.CommandType.CLIENT));
  }

  /**
   * Adds an ACL user allowed everything but {@code CLIENT}, except {@code CLIENT SETNAME} and
   * {@code CLIENT ID}: the subscriber names itself, the probe is refused its {@code CLIENT LIST}.
   */
  public void addUserWithoutClientList(String name, String password) {
    var codec =
        io.lettuce.core.codec.RedisCodec.of(
            io.lettuce.core.codec.StringCodec.UTF8, io.lettuce.core.codec.ByteArrayCodec.INSTANCE);
    String reply =
        connection()
            .sync()
            .dispatch(
                io.lettuce.core.protocol.CommandType.ACL,
                new io.lettuce.core.output.StatusOutput<>(codec),
                new io.lettuce.core.protocol.CommandArgs<>(codec)
                    .add("SETUSER")
                    .add(name)
                    .add("on")
                    .add(">" + password)
                    .add("~*")
                    .add("&*")
                    .add("+@all")
                    .add("-client")
                    .add("+client|setname")
                    .add("+client|id"));
    if (!"OK".equals(reply)) {
      throw new IllegalStateException("ACL SETUSER answered " + reply);
    }
  }

  /**
   * How many times Redis refused {@code command} for lack of permission (ACL LOG counts; Redis 6.2
   * logs a refused subcommand under its command, "client" for CLIENT LIST).
   */
  public long aclDenials(String command) {
    long n = 0;
    for (Map<String, Object> entry : connection().sync().aclLog()) {
      if (command.equals(entry.get("object"))) {
        n += ((Number) entry.get("count")).longValue();
      }
    }
    return n;
  }

  /** Publishes and returns the number of subscribers that received it. */
  public long publish(String channel, String json) {
    return publish(channel, json.getBytes(StandardCharsets.UTF_8));
  }

  public long publish(String channel, byte[] payload) {
    return connection().sync().publish(channel, payload);
  }

  /** Publishes many messages pipelined, as fast as Redis takes them. */
  public void publishAll(String channel, List<byte[]> payloads) {
    var async = connection().async();
    var futures = new ArrayList<io.lettuce.core.RedisFuture<Long>>(payloads.size());
    for (byte[] p : payloads) {
      futures.add(async.publish(channel, p));
    }
    for (var f : futures) {
      try {
        f.get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("publish failed", e);
      }
    }
  }

  @Override
  public void close() {
    stop();
  }
}
