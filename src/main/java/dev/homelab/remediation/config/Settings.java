package dev.homelab.remediation.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Every setting of the operator, one declaration each, in the order of the docs table and the flags
 * (listed in {@link OperatorConfig#SETTINGS}, which also holds the values read from them).
 */
public final class Settings {

  private static final String NAMES = "comma-separated names (`a-z0-9`, `-_.` inside), or empty";
  private static final String LABEL = "a DNS label: `a-z0-9` and `-`, at most 63 characters";

  private Settings() {}

  public static final Setting<String> REDIS_URL =
      Setting.text(
          "REDIS_URL",
          "redis://redis:6379",
          "`redis://` or `rediss://` URL with a host",
          Values::redisUrl,
          "Redis to subscribe to (redis:// or rediss://).");
  public static final Setting<Optional<String>> REDIS_PASSWORD =
      Setting.optionalText(
          "REDIS_PASSWORD", "Redis password (from a Secret); overrides one in REDIS_URL.");
  public static final Setting<String> HEALTH_CHANNEL =
      channel("HEALTH_CHANNEL", "health_events", "Channel of node-agent events (shape A).");
  public static final Setting<String> WORLD_CHANNEL =
      channel(
          "WORLD_CHANNEL", "world_updates", "Channel of control-plane world updates (shape B).");
  public static final Setting<Integer> MAX_MESSAGE_BYTES =
      Setting.of(
          "MAX_MESSAGE_BYTES",
          Integer.class,
          65536,
          "65536",
          "64 to " + Values.MAX_MESSAGE_BYTES + " (1 MiB)",
          Values::messageBytes,
          "Largest message accepted, in bytes; larger ones are rejected. At most 1 MiB: the event"
              + " is copied into its proposal, and the API server refuses objects over about"
              + " 1.5 MiB.");
  public static final Setting<String> WATCH_NAMESPACE =
      Setting.computed(
          "WATCH_NAMESPACE",
          String.class,
          () -> Values.podNamespace().orElse("default"),
          "the pod's namespace; `default` outside a cluster",
          LABEL,
          v -> Values.dnsLabel(v, "namespace name"),
          "Namespace where proposals are created and watched.");
  public static final Setting<String> LLM_CHAIN =
      Setting.text(
          "LLM_CHAIN",
          "ollama:llama3.1:8b@http://ollama:11434",
          "not empty; each link is checked by the model chain at start-up",
          v -> v,
          "Ordered model chain: provider:model@url, comma separated; `rules` ends it with the rules proposer.");
  public static final Setting<Optional<String>> LLM_API_KEY =
      Setting.optionalText(
          "LLM_API_KEY",
          "API key for OpenAI-compatible endpoints (from a Secret); sent to every openai link of"
              + " LLM_CHAIN, so give those links https or keep them to endpoints that may see it.");
  public static final Setting<Duration> LLM_TIMEOUT_SECONDS =
      Setting.seconds(
          "LLM_TIMEOUT_SECONDS", 60, 1, 3600, "Time each model in the chain gets to answer.");
  public static final Setting<Integer> LLM_CONCURRENCY =
      Setting.integer(
          "LLM_CONCURRENCY",
          1,
          1,
          16,
          "Model consultations at once; waiting ones are ordered by severity, then age.");
  public static final Setting<Optional<String>> NOTIFY_WEBHOOK_URL =
      Setting.optionalUrl(
          "NOTIFY_WEBHOOK_URL",
          "JSON POST here when a proposal awaits approval, is decided or expires; off when empty.");
  public static final Setting<Optional<String>> NOTIFY_NTFY_URL =
      Setting.optionalUrl(
          "NOTIFY_NTFY_URL",
          "ntfy topic URL (e.g. http://ntfy.homelab/remediation) for the same notifications; off when empty.");
  public static final Setting<Optional<String>> NOTIFY_NTFY_TOKEN =
      Setting.optionalText(
          "NOTIFY_NTFY_TOKEN", "ntfy access token (from a Secret), sent as Authorization: Bearer.");
  public static final Setting<Optional<String>> NOTIFY_ALERTMANAGER_URL =
      Setting.optionalUrl(
          "NOTIFY_ALERTMANAGER_URL",
          "Alertmanager base URL (e.g. http://alertmanager:9093; one ending in /api/v2/alerts is"
              + " taken as its base); while a proposal waits its alert is posted to /api/v2/alerts"
              + " there; off when empty.");
  public static final Setting<Duration> NOTIFY_ALERTMANAGER_REFRESH_SECONDS =
      Setting.seconds(
          "NOTIFY_ALERTMANAGER_REFRESH_SECONDS",
          300,
          10,
          3600,
          "How often a waiting proposal's alert is sent again; each send holds it for 3 periods.");
  public static final Setting<Duration> NOTIFY_TIMEOUT_SECONDS =
      Setting.seconds(
          "NOTIFY_TIMEOUT_SECONDS",
          10,
          1,
          120,
          "Time each notification request gets to connect and be answered.");
  public static final Setting<Integer> NOTIFY_ATTEMPTS =
      Setting.integer(
          "NOTIFY_ATTEMPTS",
          5,
          1,
          20,
          "Attempts per notification and target before it is given up (counted as failed).");
  public static final Setting<Duration> NOTIFY_RETRY_INITIAL_MILLIS =
      Setting.millis(
          "NOTIFY_RETRY_INITIAL_MILLIS",
          2000,
          10,
          60_000,
          "First delay before a failed notification is sent again; doubles, at most 1 min.");
  public static final Setting<Duration> NOTIFY_RETRY_LATER_SECONDS =
      Setting.seconds(
          "NOTIFY_RETRY_LATER_SECONDS",
          120,
          1,
          3600,
          "Once given up, a notification is tried again this often (one request per target per"
              + " period) while its proposal still waits, or for an hour after a decision.");
  public static final Setting<Integer> NOTIFY_QUEUE_CAPACITY =
      Setting.integer(
          "NOTIFY_QUEUE_CAPACITY",
          100,
          1,
          10_000,
          "Notifications waiting per target; beyond it new ones are dropped and counted.");
  public static final Setting<Duration> RETRY_BASE_SECONDS =
      Setting.seconds(
          "RETRY_BASE_SECONDS",
          30,
          1,
          3600,
          "First delay before a Failed proposal asks the chain again; doubles, at most 30 min.");
  public static final Setting<Duration> PROPOSING_GRACE_MILLIS =
      Setting.millis(
          "PROPOSING_GRACE_MILLIS",
          500,
          0,
          60_000,
          "A new proposal's model gets this long before phase Proposing is written; a faster answer is written at once.");
  public static final Setting<Duration> COOLDOWN_SECONDS =
      Setting.seconds(
          "COOLDOWN_SECONDS",
          300,
          0,
          7 * 24 * 3600,
          "At most one model consultation per svcKey in this window.");
  public static final Setting<Double> MIN_CONFIDENCE =
      Setting.number(
          "MIN_CONFIDENCE",
          0.7,
          0.0,
          1.0,
          "Below this confidence a proposal requires a human (0..1).");
  public static final Setting<Set<String>> ALWAYS_HUMAN_NODES =
      Setting.list(
          "ALWAYS_HUMAN_NODES",
          Set.of("chelsty"),
          Values.NAME,
          NAMES,
          "Nodes whose proposals always require a human (comma separated).");
  public static final Setting<Set<String>> NOTIFY_ONLY_EVENTS =
      Setting.list(
          "NOTIFY_ONLY_EVENTS",
          Set.of("disk_pressure"),
          Values.EVENT_TYPE,
          "comma-separated event types (any printable, at most 128 characters each), or empty",
          "Event types whose action is always notify (comma separated).");
  public static final Setting<ApprovalMode> APPROVAL_MODE =
      Setting.enumOf(
          "APPROVAL_MODE",
          ApprovalMode.annotation,
          "annotation: a person annotates the proposal; executor: the executor asks.");
  public static final Setting<Duration> APPROVAL_TTL =
      Setting.duration(
          "APPROVAL_TTL",
          Duration.ofHours(24),
          Duration.ofSeconds(1),
          Durations.MAX,
          "Time a proposal waits for approval before it expires (e.g. 30m, 24h, 7d).");
  public static final Setting<Optional<String>> APPROVAL_LINK_BASE_URL =
      Setting.optional(
          "APPROVAL_LINK_BASE_URL",
          "an `http://` or `https://` URL with a host, without query or fragment; or empty",
          Values::baseUrl,
          "Where people reach APPROVAL_PORT (e.g. an ingress); with APPROVAL_LINK_SECRET it turns"
              + " approval links on.");
  public static final Setting<Optional<String>> APPROVAL_LINK_SECRET =
      Setting.optional(
          "APPROVAL_LINK_SECRET",
          "at least " + Values.MIN_SECRET_LENGTH + " characters, or empty",
          Values::secret,
          "Key that signs approval links (HMAC-SHA256; from a Secret); with APPROVAL_LINK_BASE_URL"
              + " it turns them on.");
  public static final Setting<Integer> APPROVAL_PORT =
      Setting.integer(
          "APPROVAL_PORT",
          8081,
          1,
          65535,
          "Port of the approval links (POST /approve/<token>, /reject/<token>) when they are on.");
  public static final Setting<Duration> RETENTION =
      Setting.duration(
          "RETENTION",
          Duration.ofDays(7),
          Duration.ofSeconds(1),
          Durations.MAX,
          "Final proposals (Dispatched, Ignored, Rejected, Expired, Resolved, Silenced) are deleted"
              + " after this time, never while the cooldown, OUTCOME_WINDOW or REMEDIATION_BUDGET"
              + " still needs them; silences this long after their endsAt.");
  public static final Setting<Duration> OUTCOME_WINDOW =
      Setting.duration(
          "OUTCOME_WINDOW",
          Duration.ofMinutes(15),
          Duration.ofSeconds(1),
          Durations.MAX,
          "How long after a dispatch its outcome is watched: a benign event means Recovered, an"
              + " actionable one Recurred, neither Unknown.");
  public static final Setting<RemediationBudget> REMEDIATION_BUDGET =
      Setting.of(
          "REMEDIATION_BUDGET",
          RemediationBudget.class,
          new RemediationBudget(3, Duration.ofHours(24)),
          "3/24h",
          "count/window: a count of 0 to 1000, a window of 1s to 36500d",
          RemediationBudget::parse,
          "At most this many dispatches approved by policy per svcKey per window; past it a"
              + " person decides.");
  public static final Setting<Path> PENDING_ACTIONS_DIR =
      Setting.path(
          "PENDING_ACTIONS_DIR",
          Path.of("/var/lib/homelab/pending-actions"),
          "Where pending-action files are written.");
  public static final Setting<Path> EVENTS_DIR =
      Setting.path(
          "EVENTS_DIR",
          Path.of("/var/lib/homelab/events"),
          "Where remediation_started event files are written.");
  public static final Setting<String> NODE_NAME =
      Setting.computed(
          "NODE_NAME",
          String.class,
          Values::hostName,
          "the host name",
          "a node name (`a-z0-9`, `-_.` inside), at most 63; case-folded",
          Values::nodeName,
          "Node the operator runs on (downward API), used in emitted events.");
  public static final Setting<Optional<Path>> TOPOLOGY_FILE =
      Setting.optionalPath(
          "TOPOLOGY_FILE",
          "YAML file with the homelab topology for the system prompt; built-in default when empty.");
  public static final Setting<Integer> HTTP_PORT =
      Setting.integer(
          "HTTP_PORT",
          8080,
          0,
          65535,
          "Port of /healthz, /readyz and /metrics; 0 turns the endpoints off.");
  public static final Setting<String> LOG_FORMAT =
      Setting.oneOf(
          "LOG_FORMAT",
          "text",
          List.of("text", "json"),
          "Log line format: text or json (one flat JSON object per line: time, level, logger,"
              + " thread, message, each key-value as a field, error).");
  public static final Setting<String> LOG_LEVEL =
      Setting.oneOf(
          "LOG_LEVEL",
          "info",
          List.of("trace", "debug", "info", "warn", "error"),
          "Lowest level of the operator's log lines (any case).");
  public static final Setting<Optional<Path>> HEARTBEAT_FILE =
      Setting.optionalPath(
          "HEARTBEAT_FILE",
          "File touched every HEARTBEAT_SECONDS while healthy, for file-based health checks; off when empty.");
  public static final Setting<Duration> HEARTBEAT_SECONDS =
      Setting.seconds(
          "HEARTBEAT_SECONDS", 60, 1, 3600, "How often HEARTBEAT_FILE is touched while healthy.");
  public static final Setting<Boolean> LEADER_ELECTION =
      Setting.bool(
          "LEADER_ELECTION",
          true,
          "Take a Lease before working, so that a second replica waits on standby.");
  public static final Setting<String> LEASE_NAME =
      Setting.text(
          "LEASE_NAME",
          "remediation-operator",
          LABEL,
          v -> Values.dnsLabel(v, "object name"),
          "Name of the Lease (in WATCH_NAMESPACE) used for leader election.");
  public static final Setting<Duration> LEASE_DURATION_SECONDS =
      Setting.seconds(
          "LEASE_DURATION_SECONDS",
          15,
          2,
          600,
          "How long a leader's Lease lasts without renewal; a standby takes over after it.");
  public static final Setting<Duration> FOLD_FLUSH_MILLIS =
      Setting.millis(
          "FOLD_FLUSH_MILLIS",
          2000,
          10,
          600_000,
          "How often folded occurrences are written to a proposal, at most.");
  public static final Setting<Long> INTAKE_BUFFER_BYTES =
      Setting.longInteger(
          "INTAKE_BUFFER_BYTES",
          8L * 1024 * 1024,
          1024 * 1024,
          1L << 31,
          "Bytes of received messages held for parsing; past half of it the intake sheds, cheapest first (repeats, then benign and info, then warnings; critical only when full), counted in remediation_events_shed_total.");
  public static final Setting<Integer> INTAKE_WORKERS =
      Setting.integer("INTAKE_WORKERS", 2, 1, 16, "Threads that parse and fold received messages.");
  public static final Setting<Integer> INTAKE_CREATORS =
      Setting.integer(
          "INTAKE_CREATORS", 4, 1, 16, "Proposals the intake creates in the cluster at once.");
  public static final Setting<Duration> INTAKE_CREATE_RETRY_MAX_SECONDS =
      Setting.seconds(
          "INTAKE_CREATE_RETRY_MAX_SECONDS",
          30,
          1,
          200,
          "Longest wait before a failed proposal creation is tried again (from 200 ms, doubling).");
  public static final Setting<Duration> INTAKE_DRAIN_SECONDS =
      Setting.seconds(
          "INTAKE_DRAIN_SECONDS",
          10,
          1,
          300,
          "At shutdown, time the intake gets to finish queued messages and proposal writes.");
  public static final Setting<Duration> INFORMER_SYNC_TIMEOUT_SECONDS =
      Setting.seconds(
          "INFORMER_SYNC_TIMEOUT_SECONDS",
          60,
          1,
          3600,
          "Time to list the namespace's proposals before the intake starts, and its silences"
              + " before the controllers start; start-up fails after it.");
  public static final Setting<Duration> PROPOSAL_GAUGE_SECONDS =
      Setting.seconds(
          "PROPOSAL_GAUGE_SECONDS",
          5,
          1,
          3600,
          "How often the remediation_proposals gauge is counted again from the cache.");
  public static final Setting<Integer> RECONCILE_THREADS =
      Setting.integer(
          "RECONCILE_THREADS",
          4,
          1,
          64,
          "Proposals reconciled at once; model calls are limited apart, by LLM_CONCURRENCY.");
  public static final Setting<Duration> RECONCILE_RETRY_INITIAL_MILLIS =
      Setting.millis(
          "RECONCILE_RETRY_INITIAL_MILLIS",
          1000,
          10,
          60_000,
          "First delay before a reconciliation that failed (API error, timeout) is retried.");
  public static final Setting<Double> RECONCILE_RETRY_MULTIPLIER =
      Setting.number(
          "RECONCILE_RETRY_MULTIPLIER",
          2.0,
          1.0,
          10.0,
          "Factor by which that delay grows after each failed retry.");
  public static final Setting<Duration> RECONCILE_RETRY_MAX_SECONDS =
      Setting.seconds(
          "RECONCILE_RETRY_MAX_SECONDS",
          300,
          1,
          3600,
          "Longest delay between retries of a failing reconciliation; retries never stop.");

  /** Every setting, in the order of the docs table and of the flags. */
  private static Setting<String> channel(String env, String def, String description) {
    return Setting.text(
        env, def, "a channel name without spaces, `*`, `?` or `[`", Values::channel, description);
  }
}
