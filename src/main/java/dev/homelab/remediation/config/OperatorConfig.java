package dev.homelab.remediation.config;

import dev.homelab.remediation.llm.ChainLinkSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Every setting of the operator, read once at start-up from the environment and overridden by
 * flags. The documentation table (docs/configuration.md) is generated from {@link #SETTINGS}.
 */
public final class OperatorConfig {

  static final String SERVICE_ACCOUNT_NAMESPACE_FILE =
      "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9_.]*[a-z0-9])?");
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern EVENT_TYPE = Pattern.compile("[a-z0-9][a-z0-9_.:-]{0,62}");

  public static final Setting REDIS_URL =
      new Setting(
          "REDIS_URL", "redis://redis:6379", "Redis to subscribe to (redis:// or rediss://).");
  public static final Setting REDIS_PASSWORD =
      new Setting(
          "REDIS_PASSWORD", "", "Redis password (from a Secret); overrides one in REDIS_URL.");
  public static final Setting HEALTH_CHANNEL =
      new Setting("HEALTH_CHANNEL", "health_events", "Channel of node-agent events (shape A).");
  public static final Setting WORLD_CHANNEL =
      new Setting(
          "WORLD_CHANNEL", "world_updates", "Channel of control-plane world updates (shape B).");
  public static final Setting MAX_MESSAGE_BYTES =
      new Setting(
          "MAX_MESSAGE_BYTES",
          "65536",
          "Largest message accepted, in bytes; larger ones are rejected.");
  public static final Setting WATCH_NAMESPACE =
      new Setting(
          "WATCH_NAMESPACE",
          "the pod's namespace; `default` outside a cluster",
          "Namespace where proposals are created and watched.");
  public static final Setting LLM_CHAIN =
      new Setting(
          "LLM_CHAIN",
          "ollama:llama3.1:8b@http://ollama:11434",
          "Ordered model chain: provider:model@url, comma separated; `rules` ends it with the rules proposer.");
  public static final Setting LLM_API_KEY =
      new Setting("LLM_API_KEY", "", "API key for OpenAI-compatible endpoints (from a Secret).");
  public static final Setting LLM_TIMEOUT_SECONDS =
      new Setting("LLM_TIMEOUT_SECONDS", "60", "Time each model in the chain gets to answer.");
  public static final Setting LLM_CONCURRENCY =
      new Setting(
          "LLM_CONCURRENCY",
          "1",
          "Model consultations at once; waiting ones are ordered by severity, then age.");
  public static final Setting RETRY_BASE_SECONDS =
      new Setting(
          "RETRY_BASE_SECONDS",
          "30",
          "First delay before a Failed proposal asks the chain again; doubles, at most 30 min.");
  public static final Setting COOLDOWN_SECONDS =
      new Setting(
          "COOLDOWN_SECONDS", "300", "At most one model consultation per svcKey in this window.");
  public static final Setting MIN_CONFIDENCE =
      new Setting(
          "MIN_CONFIDENCE", "0.7", "Below this confidence a proposal requires a human (0..1).");
  public static final Setting ALWAYS_HUMAN_NODES =
      new Setting(
          "ALWAYS_HUMAN_NODES",
          "chelsty",
          "Nodes whose proposals always require a human (comma separated).");
  public static final Setting NOTIFY_ONLY_EVENTS =
      new Setting(
          "NOTIFY_ONLY_EVENTS",
          "disk_pressure",
          "Event types whose action is always notify (comma separated).");
  public static final Setting APPROVAL_MODE =
      new Setting(
          "APPROVAL_MODE",
          "annotation",
          "annotation: a person annotates the proposal; executor: the executor asks.");
  public static final Setting APPROVAL_TTL =
      new Setting(
          "APPROVAL_TTL",
          "24h",
          "Time a proposal waits for approval before it expires (e.g. 30m, 24h, 7d).");
  public static final Setting RETENTION =
      new Setting(
          "RETENTION",
          "7d",
          "Final proposals (Dispatched, Ignored, Rejected, Expired) are deleted after this time.");
  public static final Setting PENDING_ACTIONS_DIR =
      new Setting(
          "PENDING_ACTIONS_DIR",
          "/var/lib/homelab/pending-actions",
          "Where pending-action files are written.");
  public static final Setting EVENTS_DIR =
      new Setting(
          "EVENTS_DIR",
          "/var/lib/homelab/events",
          "Where remediation_started event files are written.");
  public static final Setting NODE_NAME =
      new Setting(
          "NODE_NAME",
          "the host name",
          "Node the operator runs on (downward API), used in emitted events.");
  public static final Setting TOPOLOGY_FILE =
      new Setting(
          "TOPOLOGY_FILE",
          "",
          "YAML file with the homelab topology for the system prompt; built-in default when empty.");
  public static final Setting HTTP_PORT =
      new Setting(
          "HTTP_PORT",
          "8080",
          "Port of /healthz, /readyz and /metrics; 0 turns the endpoints off.");
  public static final Setting LOG_FORMAT =
      new Setting(
          "LOG_FORMAT", "text", "Log line format: text or json (one JSON object per line).");
  public static final Setting HEARTBEAT_FILE =
      new Setting(
          "HEARTBEAT_FILE",
          "",
          "File touched every 60 s while healthy, for file-based health checks; off when empty.");
  public static final Setting LEADER_ELECTION =
      new Setting(
          "LEADER_ELECTION",
          "true",
          "Take a Lease before working, so that a second replica waits on standby.");
  public static final Setting LEASE_NAME =
      new Setting(
          "LEASE_NAME",
          "remediation-operator",
          "Name of the Lease (in WATCH_NAMESPACE) used for leader election.");
  public static final Setting LEASE_DURATION_SECONDS =
      new Setting(
          "LEASE_DURATION_SECONDS",
          "15",
          "How long a leader's Lease lasts without renewal; a standby takes over after it.");
  public static final Setting FOLD_FLUSH_MILLIS =
      new Setting(
          "FOLD_FLUSH_MILLIS",
          "2000",
          "How often folded occurrences are written to a proposal, at most.");
  public static final Setting INTAKE_BUFFER_BYTES =
      new Setting(
          "INTAKE_BUFFER_BYTES",
          "16777216",
          "Bytes of received messages held for parsing; beyond it messages are dropped and counted.");

  public static final Setting INTAKE_WORKERS =
      new Setting("INTAKE_WORKERS", "2", "Threads that parse and fold received messages.");

  public static final List<Setting> SETTINGS =
      List.of(
          REDIS_URL,
          REDIS_PASSWORD,
          HEALTH_CHANNEL,
          WORLD_CHANNEL,
          MAX_MESSAGE_BYTES,
          WATCH_NAMESPACE,
          LLM_CHAIN,
          LLM_API_KEY,
          LLM_TIMEOUT_SECONDS,
          LLM_CONCURRENCY,
          RETRY_BASE_SECONDS,
          COOLDOWN_SECONDS,
          MIN_CONFIDENCE,
          ALWAYS_HUMAN_NODES,
          NOTIFY_ONLY_EVENTS,
          APPROVAL_MODE,
          APPROVAL_TTL,
          RETENTION,
          PENDING_ACTIONS_DIR,
          EVENTS_DIR,
          NODE_NAME,
          TOPOLOGY_FILE,
          HTTP_PORT,
          LOG_FORMAT,
          HEARTBEAT_FILE,
          LEADER_ELECTION,
          LEASE_NAME,
          LEASE_DURATION_SECONDS,
          FOLD_FLUSH_MILLIS,
          INTAKE_BUFFER_BYTES,
          INTAKE_WORKERS);

  public final String redisUrl;
  public final Optional<String> redisPassword;
  public final String healthChannel;
  public final String worldChannel;
  public final int maxMessageBytes;
  public final String watchNamespace;
  public final String llmChain;
  public final Optional<String> llmApiKey;
  public final Duration llmTimeout;
  public final int llmConcurrency;
  public final Duration retryBase;
  public final Duration cooldown;
  public final double minConfidence;
  public final Set<String> alwaysHumanNodes;
  public final Set<String> notifyOnlyEvents;
  public final ApprovalMode approvalMode;
  public final Duration approvalTtl;
  public final Duration retention;
  public final Path pendingActionsDir;
  public final Path eventsDir;
  public final String nodeName;
  public final Optional<Path> topologyFile;
  public final int httpPort;
  public final String logFormat;
  public final Optional<Path> heartbeatFile;
  public final boolean leaderElection;
  public final String leaseName;
  public final Duration leaseDuration;
  public final Duration foldFlushInterval;
  public final long intakeBufferBytes;
  public final int intakeWorkers;

  private OperatorConfig(Map<String, String> values) {
    Reader r = new Reader(values);
    redisUrl = r.redisUrl(REDIS_URL);
    redisPassword = r.optional(REDIS_PASSWORD);
    healthChannel = r.channel(HEALTH_CHANNEL);
    worldChannel = r.channel(WORLD_CHANNEL);
    if (healthChannel.equals(worldChannel)) {
      throw new ConfigException(WORLD_CHANNEL.env(), "must differ from HEALTH_CHANNEL");
    }
    maxMessageBytes = (int) r.longIn(MAX_MESSAGE_BYTES, 64, 16L * 1024 * 1024);
    watchNamespace = r.namespace(WATCH_NAMESPACE);
    llmChain = r.llmChain(LLM_CHAIN);
    llmApiKey = r.optional(LLM_API_KEY);
    llmTimeout = Duration.ofSeconds(r.longIn(LLM_TIMEOUT_SECONDS, 1, 3600));
    llmConcurrency = (int) r.longIn(LLM_CONCURRENCY, 1, 16);
    retryBase = Duration.ofSeconds(r.longIn(RETRY_BASE_SECONDS, 1, 3600));
    cooldown = Duration.ofSeconds(r.longIn(COOLDOWN_SECONDS, 0, 7L * 24 * 3600));
    minConfidence = r.doubleIn(MIN_CONFIDENCE, 0.0, 1.0);
    alwaysHumanNodes = r.list(ALWAYS_HUMAN_NODES, NAME);
    notifyOnlyEvents = r.list(NOTIFY_ONLY_EVENTS, EVENT_TYPE);
    approvalMode = r.approvalMode(APPROVAL_MODE);
    approvalTtl = r.duration(APPROVAL_TTL);
    retention = r.duration(RETENTION);
    pendingActionsDir = r.path(PENDING_ACTIONS_DIR);
    eventsDir = r.path(EVENTS_DIR);
    nodeName = r.nodeName(NODE_NAME);
    topologyFile = r.optional(TOPOLOGY_FILE).map(Path::of);
    httpPort = (int) r.longIn(HTTP_PORT, 0, 65535);
    logFormat = r.oneOf(LOG_FORMAT, "text", "json");
    heartbeatFile = r.optional(HEARTBEAT_FILE).map(v -> r.path(HEARTBEAT_FILE));
    leaderElection = Boolean.parseBoolean(r.oneOf(LEADER_ELECTION, "true", "false"));
    leaseName = r.kubernetesName(LEASE_NAME);
    leaseDuration = Duration.ofSeconds(r.longIn(LEASE_DURATION_SECONDS, 2, 600));
    foldFlushInterval = Duration.ofMillis(r.longIn(FOLD_FLUSH_MILLIS, 10, 600_000));
    intakeBufferBytes = r.longIn(INTAKE_BUFFER_BYTES, 1024 * 1024, 1L << 31);
    intakeWorkers = (int) r.longIn(INTAKE_WORKERS, 1, 16);
    if (intakeBufferBytes < maxMessageBytes) {
      throw new ConfigException(INTAKE_BUFFER_BYTES.env(), "must be at least MAX_MESSAGE_BYTES");
    }
  }

  /**
   * Reads the settings: a flag (in {@code overrides}, keyed by env name) wins over the environment,
   * which wins over the default.
   *
   * @throws ConfigException naming the first setting that is invalid
   */
  public static OperatorConfig load(Map<String, String> env, Map<String, String> overrides) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Setting s : SETTINGS) {
      String v = overrides.containsKey(s.env()) ? overrides.get(s.env()) : env.get(s.env());
      if (v != null) {
        values.put(s.env(), v.trim());
      }
    }
    return new OperatorConfig(values);
  }

  public static OperatorConfig fromEnvironment() {
    return load(System.getenv(), Map.of());
  }

  /** A copy of these values with some replaced, validated again (used by local mode and tests). */
  public static OperatorConfig withDefaults(Map<String, String> values) {
    return load(Map.of(), values);
  }

  /** The configuration table of docs/configuration.md and the README. */
  public static String markdownTable() {
    StringBuilder sb = new StringBuilder();
    sb.append("| Environment variable | Flag | Default | Description |\n");
    sb.append("|---|---|---|---|\n");
    for (Setting s : SETTINGS) {
      String def = s.defaultValue().isEmpty() ? "(none)" : s.defaultValue();
      if (!def.contains("`") && !def.equals("(none)")) {
        def = "`" + def + "`";
      }
      sb.append("| `")
          .append(s.env())
          .append("` | `")
          .append(s.flag())
          .append("` | ")
          .append(def)
          .append(" | ")
          .append(s.description())
          .append(" |\n");
    }
    return sb.toString();
  }

  /** Parses one setting at a time; every failure names the setting. */
  private static final class Reader {
    private final Map<String, String> values;

    Reader(Map<String, String> values) {
      this.values = values;
    }

    private String raw(Setting s) {
      String v = values.get(s.env());
      return v == null || v.isEmpty() ? s.defaultValue() : v;
    }

    Optional<String> optional(Setting s) {
      String v = values.get(s.env());
      return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
    }

    String nonBlank(Setting s) {
      String v = raw(s);
      if (v.isBlank()) {
        throw new ConfigException(s.env(), "must not be empty");
      }
      return v;
    }

    String llmChain(Setting s) {
      String v = nonBlank(s);
      try {
        ChainLinkSpec.parseChain(v);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(s.env(), e.getMessage().replaceFirst("^LLM_CHAIN:? ?", ""));
      }
      return v;
    }

    String redisUrl(Setting s) {
      String v = nonBlank(s);
      URI uri;
      try {
        uri = URI.create(v);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(s.env(), "not a URL: '" + v + "'");
      }
      if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
        throw new ConfigException(
            s.env(), "must start with redis:// or rediss://, got '" + redact(v) + "'");
      }
      if (uri.getPort() > 65535) {
        throw new ConfigException(s.env(), "port out of range: '" + redact(v) + "'");
      }
      if (uri.getHost() == null || uri.getHost().isEmpty()) {
        throw new ConfigException(s.env(), "has no host: '" + redact(v) + "'");
      }
      return v;
    }

    private static String redact(String url) {
      return url.replaceAll("//[^@/]*@", "//***@");
    }

    String channel(Setting s) {
      String v = nonBlank(s);
      if (v.chars().anyMatch(c -> c <= ' ' || c == '*' || c == '?' || c == '[')) {
        throw new ConfigException(
            s.env(), "must be a plain channel name without spaces or patterns, got '" + v + "'");
      }
      return v;
    }

    long longIn(Setting s, long min, long max) {
      String v = raw(s);
      long n;
      try {
        n = Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new ConfigException(s.env(), "must be a whole number, got '" + v + "'");
      }
      if (n < min || n > max) {
        throw new ConfigException(s.env(), "must be between " + min + " and " + max + ", got " + n);
      }
      return n;
    }

    double doubleIn(Setting s, double min, double max) {
      String v = raw(s);
      double d;
      try {
        d = Double.parseDouble(v);
      } catch (NumberFormatException e) {
        throw new ConfigException(s.env(), "must be a number, got '" + v + "'");
      }
      if (!(d >= min && d <= max)) {
        throw new ConfigException(s.env(), "must be between " + min + " and " + max + ", got " + v);
      }
      return d;
    }

    Set<String> list(Setting s, Pattern item) {
      // A list set to empty turns its rule off; only an unset list takes the default.
      String v = values.containsKey(s.env()) ? values.get(s.env()) : s.defaultValue();
      Set<String> out = new LinkedHashSet<>();
      for (String part : v.split(",")) {
        String p = part.trim().toLowerCase(Locale.ROOT);
        if (p.isEmpty()) {
          continue;
        }
        if (!item.matcher(p).matches()) {
          throw new ConfigException(s.env(), "'" + part.trim() + "' is not a valid name");
        }
        out.add(p);
      }
      return Set.copyOf(out);
    }

    String oneOf(Setting s, String... allowed) {
      String v = raw(s).toLowerCase(Locale.ROOT);
      for (String a : allowed) {
        if (a.equals(v)) {
          return v;
        }
      }
      throw new ConfigException(
          s.env(), "must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
    }

    String kubernetesName(Setting s) {
      String v = nonBlank(s);
      if (v.length() > 63 || !NAMESPACE.matcher(v).matches()) {
        throw new ConfigException(s.env(), "'" + v + "' is not a valid Kubernetes object name");
      }
      return v;
    }

    ApprovalMode approvalMode(Setting s) {
      String v = raw(s).toLowerCase(Locale.ROOT);
      try {
        return ApprovalMode.valueOf(v);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            s.env(),
            "must be one of "
                + Arrays.stream(ApprovalMode.values())
                    .map(Enum::name)
                    .collect(Collectors.joining(", "))
                + ", got '"
                + v
                + "'");
      }
    }

    Duration duration(Setting s) {
      String v = raw(s);
      try {
        Duration d = Durations.parse(v);
        if (d.isNegative() || d.isZero()) {
          throw new ConfigException(s.env(), "must be positive, got '" + v + "'");
        }
        return d;
      } catch (IllegalArgumentException e) {
        throw new ConfigException(s.env(), e.getMessage());
      }
    }

    Path path(Setting s) {
      String v = nonBlank(s);
      if (v.indexOf('\0') >= 0) {
        throw new ConfigException(s.env(), "contains a NUL character");
      }
      return Path.of(v).toAbsolutePath().normalize();
    }

    String namespace(Setting s) {
      String v = values.get(s.env());
      if (v == null || v.isBlank()) {
        v = podNamespace().orElse("default");
      }
      if (v.length() > 63 || !NAMESPACE.matcher(v).matches()) {
        throw new ConfigException(s.env(), "'" + v + "' is not a valid Kubernetes namespace name");
      }
      return v;
    }

    String nodeName(Setting s) {
      String v = values.get(s.env());
      if (v == null || v.isBlank()) {
        v = hostName();
      }
      v = v.toLowerCase(Locale.ROOT);
      if (v.length() > 63 || !NAME.matcher(v).matches()) {
        throw new ConfigException(s.env(), "'" + v + "' is not a valid node name");
      }
      return v;
    }
  }

  private static Optional<String> podNamespace() {
    Path file = Path.of(SERVICE_ACCOUNT_NAMESPACE_FILE);
    try {
      if (Files.isReadable(file)) {
        return Optional.of(Files.readString(file, StandardCharsets.UTF_8).trim());
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static String hostName() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "localhost";
    }
  }
}
