package dev.homelab.remediation.local;

import dev.homelab.remediation.config.ConfigException;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.config.Setting;
import dev.homelab.remediation.config.Settings;
import dev.homelab.remediation.decision.Names;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What local mode runs with: its own ports and data directory, and the operator's configuration
 * with local defaults. Precedence, highest first: flags, environment, local defaults, the
 * operator's defaults (SPEC section 9: the env vars of section 8 override local mode's defaults).
 */
public record LocalSettings(
    int apiPort,
    int redisPort,
    Path dataDir,
    Optional<String> externalRedisUrl,
    OperatorConfig operator) {

  public static final int DEFAULT_API_PORT = 26443;
  public static final int DEFAULT_REDIS_PORT = 26379;

  /** {@code /healthz}, {@code /readyz}, {@code /metrics} (HTTP_PORT; 0 turns them off). */
  public static final int DEFAULT_HTTP_PORT = 26080;

  public static final String DEFAULT_DATA_DIR = "local-data";
  public static final String API_PORT_ENV = "LOCAL_API_PORT";
  public static final String REDIS_PORT_ENV = "LOCAL_REDIS_PORT";
  public static final String DATA_DIR_ENV = "LOCAL_DATA_DIR";
  public static final String DEFAULT_LLM_CHAIN = "rules";

  /**
   * @param env the environment
   * @param flags the operator settings given as flags, keyed by env name
   * @param apiPort {@code --api-port}, or null
   * @param redisPort {@code --redis-port}, or null
   * @param dataDir {@code --data-dir}, or null
   * @throws ConfigException naming the first invalid setting
   */
  public static LocalSettings resolve(
      Map<String, String> env,
      Map<String, String> flags,
      Integer apiPort,
      Integer redisPort,
      Path dataDir) {
    int api =
        apiPort != null
            ? checkPort(apiPort, "--api-port")
            : port(env, API_PORT_ENV, DEFAULT_API_PORT);
    int redis =
        redisPort != null
            ? checkPort(redisPort, "--redis-port")
            : port(env, REDIS_PORT_ENV, DEFAULT_REDIS_PORT);
    if (api == redis) {
      throw new ConfigException(
          REDIS_PORT_ENV, "must differ from " + API_PORT_ENV + " (" + api + ")");
    }
    Path dir =
        (dataDir != null
                ? dataDir
                : Path.of(nonBlank(env.get(DATA_DIR_ENV)).orElse(DEFAULT_DATA_DIR)))
            .toAbsolutePath()
            .normalize();
    Optional<String> external =
        Optional.ofNullable(flags.get(Settings.REDIS_URL.env()))
            .or(() -> nonBlank(env.get(Settings.REDIS_URL.env())));

    Map<String, String> values = new HashMap<>();
    values.put(Settings.WATCH_NAMESPACE.env(), "default");
    values.put(Settings.NODE_NAME.env(), hostNodeName());
    values.put(Settings.PENDING_ACTIONS_DIR.env(), dir.resolve("pending-actions").toString());
    values.put(Settings.EVENTS_DIR.env(), dir.resolve("events").toString());
    values.put(Settings.LLM_CHAIN.env(), DEFAULT_LLM_CHAIN);
    values.put(Settings.REDIS_URL.env(), "redis://127.0.0.1:" + redis);
    // One process on one machine: no lease to take. The operations endpoints are those of `run`,
    // on a port of their own next to the API's and Redis's.
    values.put(Settings.LEADER_ELECTION.env(), "false");
    values.put(Settings.HTTP_PORT.env(), Integer.toString(DEFAULT_HTTP_PORT));
    for (Setting<?> s : OperatorConfig.SETTINGS) {
      String v = env.get(s.env());
      if (v != null && v.isBlank() && s.emptyIsAValue()) {
        values.put(s.env(), ""); // as in `run`: an empty list turns its rule off
      } else {
        nonBlank(v).ifPresent(text -> values.put(s.env(), text));
      }
    }
    values.putAll(flags);
    OperatorConfig operator = OperatorConfig.withDefaults(values);
    if (operator.httpPort == api || (external.isEmpty() && operator.httpPort == redis)) {
      throw new ConfigException(
          Settings.HTTP_PORT.env(),
          "must differ from "
              + (operator.httpPort == api ? API_PORT_ENV : REDIS_PORT_ENV)
              + " ("
              + operator.httpPort
              + ")");
    }
    int links = operator.approvalPort;
    if (operator.approvalLinksEnabled()
        && (links == api || (external.isEmpty() && links == redis))) {
      throw new ConfigException(
          Settings.APPROVAL_PORT.env(),
          "must differ from "
              + (links == api ? API_PORT_ENV : REDIS_PORT_ENV)
              + " ("
              + links
              + ")");
    }
    return new LocalSettings(api, redis, dir, external, operator);
  }

  /** Where the API server's objects are kept across restarts. */
  public Path objectsDir() {
    return dataDir.resolve("objects");
  }

  /** Where {@code kubectl} finds local mode. */
  public Path kubeconfig() {
    return dataDir.resolve("kubeconfig");
  }

  private static int port(Map<String, String> env, String name, int def) {
    Optional<String> v = nonBlank(env.get(name));
    if (v.isEmpty()) {
      return def;
    }
    try {
      return checkPort(Integer.parseInt(v.get().trim()), name);
    } catch (NumberFormatException e) {
      throw new ConfigException(name, "must be a port number, got '" + v.get() + "'");
    }
  }

  private static int checkPort(int port, String name) {
    if (port < 1 || port > 65535) {
      throw new ConfigException(name, "must be between 1 and 65535, got " + port);
    }
    return port;
  }

  private static Optional<String> nonBlank(String v) {
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
  }

  /** This machine's name as a node name; its first label if the full name is not a valid one. */
  static String hostNodeName() {
    String host = hostName();
    return Names.normalise(host)
        .or(() -> Names.normalise(host.split("\\.")[0]))
        .orElse("localhost");
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
