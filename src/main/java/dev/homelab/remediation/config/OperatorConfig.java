package dev.homelab.remediation.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The values the operator runs with, read once at start-up from the environment and overridden by
 * flags; each field is read through its declaration in {@link Settings}. The documentation table
 * (docs/configuration.md) is generated from {@link #SETTINGS}.
 */
public final class OperatorConfig {

  /** Every setting, in the order of the docs table and of the flags. */
  public static final List<Setting<?>> SETTINGS =
      List.of(
          Settings.REDIS_URL,
          Settings.REDIS_PASSWORD,
          Settings.HEALTH_CHANNEL,
          Settings.WORLD_CHANNEL,
          Settings.MAX_MESSAGE_BYTES,
          Settings.WATCH_NAMESPACE,
          Settings.LLM_CHAIN,
          Settings.LLM_API_KEY,
          Settings.LLM_TIMEOUT_SECONDS,
          Settings.LLM_CONCURRENCY,
          Settings.NOTIFY_WEBHOOK_URL,
          Settings.NOTIFY_NTFY_URL,
          Settings.NOTIFY_NTFY_TOKEN,
          Settings.NOTIFY_ALERTMANAGER_URL,
          Settings.NOTIFY_ALERTMANAGER_REFRESH_SECONDS,
          Settings.NOTIFY_TIMEOUT_SECONDS,
          Settings.NOTIFY_ATTEMPTS,
          Settings.NOTIFY_RETRY_INITIAL_MILLIS,
          Settings.NOTIFY_RETRY_LATER_SECONDS,
          Settings.NOTIFY_QUEUE_CAPACITY,
          Settings.RETRY_BASE_SECONDS,
          Settings.PROPOSING_GRACE_MILLIS,
          Settings.COOLDOWN_SECONDS,
          Settings.MIN_CONFIDENCE,
          Settings.ALWAYS_HUMAN_NODES,
          Settings.NOTIFY_ONLY_EVENTS,
          Settings.APPROVAL_MODE,
          Settings.APPROVAL_TTL,
          Settings.APPROVAL_LINK_BASE_URL,
          Settings.APPROVAL_LINK_SECRET,
          Settings.APPROVAL_PORT,
          Settings.RETENTION,
          Settings.OUTCOME_WINDOW,
          Settings.REMEDIATION_BUDGET,
          Settings.PENDING_ACTIONS_DIR,
          Settings.EVENTS_DIR,
          Settings.NODE_NAME,
          Settings.TOPOLOGY_FILE,
          Settings.HTTP_PORT,
          Settings.LOG_FORMAT,
          Settings.LOG_LEVEL,
          Settings.HEARTBEAT_FILE,
          Settings.HEARTBEAT_SECONDS,
          Settings.LEADER_ELECTION,
          Settings.LEASE_NAME,
          Settings.LEASE_DURATION_SECONDS,
          Settings.FOLD_FLUSH_MILLIS,
          Settings.INTAKE_BUFFER_BYTES,
          Settings.INTAKE_WORKERS,
          Settings.INTAKE_CREATORS,
          Settings.INTAKE_CREATE_RETRY_MAX_SECONDS,
          Settings.INTAKE_DRAIN_SECONDS,
          Settings.INFORMER_SYNC_TIMEOUT_SECONDS,
          Settings.PROPOSAL_GAUGE_SECONDS,
          Settings.RECONCILE_THREADS,
          Settings.RECONCILE_RETRY_INITIAL_MILLIS,
          Settings.RECONCILE_RETRY_MULTIPLIER,
          Settings.RECONCILE_RETRY_MAX_SECONDS);

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
  public final Optional<String> notifyWebhookUrl;
  public final Optional<String> notifyNtfyUrl;
  public final Optional<String> notifyNtfyToken;
  public final Optional<String> notifyAlertmanagerUrl;
  public final Duration notifyAlertmanagerRefresh;
  public final Duration notifyTimeout;
  public final int notifyAttempts;
  public final Duration notifyRetryInitial;
  public final Duration notifyRetryLater;
  public final int notifyQueueCapacity;
  public final Duration retryBase;
  public final Duration proposingGrace;
  public final Duration cooldown;
  public final double minConfidence;
  public final Set<String> alwaysHumanNodes;
  public final Set<String> notifyOnlyEvents;
  public final ApprovalMode approvalMode;
  public final Duration approvalTtl;
  public final Optional<String> approvalLinkBaseUrl;
  public final Optional<String> approvalLinkSecret;
  public final int approvalPort;
  public final Duration retention;
  public final Duration outcomeWindow;
  public final RemediationBudget remediationBudget;
  public final Path pendingActionsDir;
  public final Path eventsDir;
  public final String nodeName;
  public final Optional<Path> topologyFile;
  public final int httpPort;
  public final String logFormat;
  public final String logLevel;
  public final Optional<Path> heartbeatFile;
  public final Duration heartbeatInterval;
  public final boolean leaderElection;
  public final String leaseName;
  public final Duration leaseDuration;
  public final Duration foldFlushInterval;
  public final long intakeBufferBytes;
  public final int intakeWorkers;
  public final int intakeCreators;
  public final Duration intakeCreateRetryMax;
  public final Duration intakeDrainTimeout;
  public final Duration informerSyncTimeout;
  public final Duration proposalGaugeInterval;
  public final int reconcileThreads;
  public final Duration reconcileRetryInitial;
  public final double reconcileRetryMultiplier;
  public final Duration reconcileRetryMax;

  private OperatorConfig(Map<String, String> v) {
    redisUrl = Settings.REDIS_URL.read(v);
    redisPassword = Settings.REDIS_PASSWORD.read(v);
    healthChannel = Settings.HEALTH_CHANNEL.read(v);
    worldChannel = Settings.WORLD_CHANNEL.read(v);
    if (healthChannel.equals(worldChannel)) {
      throw new ConfigException(Settings.WORLD_CHANNEL.env(), "must differ from HEALTH_CHANNEL");
    }
    maxMessageBytes = Settings.MAX_MESSAGE_BYTES.read(v);
    watchNamespace = Settings.WATCH_NAMESPACE.read(v);
    llmChain = Settings.LLM_CHAIN.read(v);
    llmApiKey = Settings.LLM_API_KEY.read(v);
    llmTimeout = Settings.LLM_TIMEOUT_SECONDS.read(v);
    llmConcurrency = Settings.LLM_CONCURRENCY.read(v);
    notifyWebhookUrl = Settings.NOTIFY_WEBHOOK_URL.read(v);
    notifyNtfyUrl = Settings.NOTIFY_NTFY_URL.read(v);
    notifyNtfyToken = Settings.NOTIFY_NTFY_TOKEN.read(v);
    notifyAlertmanagerUrl = Settings.NOTIFY_ALERTMANAGER_URL.read(v);
    notifyAlertmanagerRefresh = Settings.NOTIFY_ALERTMANAGER_REFRESH_SECONDS.read(v);
    notifyTimeout = Settings.NOTIFY_TIMEOUT_SECONDS.read(v);
    notifyAttempts = Settings.NOTIFY_ATTEMPTS.read(v);
    notifyRetryInitial = Settings.NOTIFY_RETRY_INITIAL_MILLIS.read(v);
    notifyRetryLater = Settings.NOTIFY_RETRY_LATER_SECONDS.read(v);
    notifyQueueCapacity = Settings.NOTIFY_QUEUE_CAPACITY.read(v);
    retryBase = Settings.RETRY_BASE_SECONDS.read(v);
    proposingGrace = Settings.PROPOSING_GRACE_MILLIS.read(v);
    cooldown = Settings.COOLDOWN_SECONDS.read(v);
    minConfidence = Settings.MIN_CONFIDENCE.read(v);
    alwaysHumanNodes = Settings.ALWAYS_HUMAN_NODES.read(v);
    notifyOnlyEvents = Settings.NOTIFY_ONLY_EVENTS.read(v);
    approvalMode = Settings.APPROVAL_MODE.read(v);
    approvalTtl = Settings.APPROVAL_TTL.read(v);
    approvalLinkBaseUrl = Settings.APPROVAL_LINK_BASE_URL.read(v);
    approvalLinkSecret = Settings.APPROVAL_LINK_SECRET.read(v);
    approvalPort = Settings.APPROVAL_PORT.read(v);
    if (approvalLinkBaseUrl.isPresent() != approvalLinkSecret.isPresent()) {
      Setting<?> missing =
          approvalLinkBaseUrl.isPresent()
              ? Settings.APPROVAL_LINK_SECRET
              : Settings.APPROVAL_LINK_BASE_URL;
      Setting<?> given =
          approvalLinkBaseUrl.isPresent()
              ? Settings.APPROVAL_LINK_BASE_URL
              : Settings.APPROVAL_LINK_SECRET;
      throw new ConfigException(
          missing.env(), "must be set too when " + given.env() + " is (approval links need both)");
    }
    retention = Settings.RETENTION.read(v);
    outcomeWindow = Settings.OUTCOME_WINDOW.read(v);
    remediationBudget = Settings.REMEDIATION_BUDGET.read(v);
    pendingActionsDir = Settings.PENDING_ACTIONS_DIR.read(v);
    eventsDir = Settings.EVENTS_DIR.read(v);
    if (eventsDir
        .toAbsolutePath()
        .normalize()
        .equals(pendingActionsDir.toAbsolutePath().normalize())) {
      // The executor takes every *.json in PENDING_ACTIONS_DIR as an action to run.
      throw new ConfigException(Settings.EVENTS_DIR.env(), "must differ from PENDING_ACTIONS_DIR");
    }
    nodeName = Settings.NODE_NAME.read(v);
    topologyFile = Settings.TOPOLOGY_FILE.read(v);
    httpPort = Settings.HTTP_PORT.read(v);
    if (approvalLinksEnabled() && approvalPort == httpPort) {
      throw new ConfigException(Settings.APPROVAL_PORT.env(), "must differ from HTTP_PORT");
    }
    logFormat = Settings.LOG_FORMAT.read(v);
    logLevel = Settings.LOG_LEVEL.read(v);
    heartbeatFile = Settings.HEARTBEAT_FILE.read(v);
    heartbeatInterval = Settings.HEARTBEAT_SECONDS.read(v);
    leaderElection = Settings.LEADER_ELECTION.read(v);
    leaseName = Settings.LEASE_NAME.read(v);
    leaseDuration = Settings.LEASE_DURATION_SECONDS.read(v);
    foldFlushInterval = Settings.FOLD_FLUSH_MILLIS.read(v);
    intakeBufferBytes = Settings.INTAKE_BUFFER_BYTES.read(v);
    if (intakeBufferBytes < maxMessageBytes) {
      throw new ConfigException(
          Settings.INTAKE_BUFFER_BYTES.env(), "must be at least MAX_MESSAGE_BYTES");
    }
    intakeWorkers = Settings.INTAKE_WORKERS.read(v);
    intakeCreators = Settings.INTAKE_CREATORS.read(v);
    intakeCreateRetryMax = Settings.INTAKE_CREATE_RETRY_MAX_SECONDS.read(v);
    intakeDrainTimeout = Settings.INTAKE_DRAIN_SECONDS.read(v);
    informerSyncTimeout = Settings.INFORMER_SYNC_TIMEOUT_SECONDS.read(v);
    proposalGaugeInterval = Settings.PROPOSAL_GAUGE_SECONDS.read(v);
    reconcileThreads = Settings.RECONCILE_THREADS.read(v);
    reconcileRetryInitial = Settings.RECONCILE_RETRY_INITIAL_MILLIS.read(v);
    reconcileRetryMultiplier = Settings.RECONCILE_RETRY_MULTIPLIER.read(v);
    reconcileRetryMax = Settings.RECONCILE_RETRY_MAX_SECONDS.read(v);
    if (reconcileRetryMax.compareTo(reconcileRetryInitial) < 0) {
      throw new ConfigException(
          Settings.RECONCILE_RETRY_MAX_SECONDS.env(),
          "must be at least RECONCILE_RETRY_INITIAL_MILLIS");
    }
  }

  /** True when approval links are on: APPROVAL_LINK_BASE_URL and APPROVAL_LINK_SECRET are set. */
  public boolean approvalLinksEnabled() {
    return approvalLinkBaseUrl.isPresent() && approvalLinkSecret.isPresent();
  }

  /**
   * Reads the settings: a flag (in {@code overrides}, keyed by env name) wins over the environment,
   * which wins over the default.
   *
   * @throws ConfigException naming the first setting that is invalid
   */
  public static OperatorConfig load(Map<String, String> env, Map<String, String> overrides) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Setting<?> s : SETTINGS) {
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

  /** The configuration table of docs/configuration.md. */
  public static String markdownTable() {
    StringBuilder sb = new StringBuilder();
    sb.append("| Environment variable | Flag | Default | Allowed values | Description |\n");
    sb.append("|---|---|---|---|---|\n");
    for (Setting<?> s : SETTINGS) {
      String def = s.defaultText();
      if (def.isEmpty()) {
        def = "(none)";
      } else if (!s.defaultComputed()) {
        def = "`" + def + "`";
      }
      sb.append("| `")
          .append(s.env())
          .append("` | `")
          .append(s.flag())
          .append("` | ")
          .append(def)
          .append(" | ")
          .append(s.allowed())
          .append(" | ")
          .append(s.description())
          .append(" |\n");
    }
    return sb.toString();
  }
}
