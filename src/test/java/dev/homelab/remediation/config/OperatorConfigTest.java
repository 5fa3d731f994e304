package dev.homelab.remediation.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class OperatorConfigTest {

  @Test
  void defaults() {
    OperatorConfig c = OperatorConfig.load(Map.of("NODE_NAME", "solaria"), Map.of());
    assertThat(c.redisUrl).isEqualTo("redis://redis:6379");
    assertThat(c.healthChannel).isEqualTo("health_events");
    assertThat(c.worldChannel).isEqualTo("world_updates");
    assertThat(c.maxMessageBytes).isEqualTo(65536);
    assertThat(c.cooldown).isEqualTo(Duration.ofSeconds(300));
    assertThat(c.minConfidence).isEqualTo(0.7);
    assertThat(c.alwaysHumanNodes).isEqualTo(Set.of("chelsty"));
    assertThat(c.notifyOnlyEvents).isEqualTo(Set.of("disk_pressure"));
    assertThat(c.approvalMode).isEqualTo(ApprovalMode.annotation);
    assertThat(c.approvalTtl).isEqualTo(Duration.ofHours(24));
    assertThat(c.pendingActionsDir).isEqualTo(Path.of("/var/lib/homelab/pending-actions"));
    assertThat(c.eventsDir).isEqualTo(Path.of("/var/lib/homelab/events"));
    assertThat(c.watchNamespace).isEqualTo("default");
    assertThat(c.nodeName).isEqualTo("solaria");
    assertThat(c.llmChain).isEqualTo("ollama:llama3.1:8b@http://ollama:11434");
  }

  @Test
  void flagsOverrideTheEnvironment() {
    OperatorConfig c =
        OperatorConfig.load(
            Map.of(
                "COOLDOWN_SECONDS",
                "60",
                "WATCH_NAMESPACE",
                "homelab",
                "ALWAYS_HUMAN_NODES",
                "A, b"),
            Map.of("COOLDOWN_SECONDS", "120"));
    assertThat(c.cooldown).isEqualTo(Duration.ofSeconds(120));
    assertThat(c.watchNamespace).isEqualTo("homelab");
    assertThat(c.alwaysHumanNodes).isEqualTo(Set.of("a", "b"));
  }

  /** The tunables that were constants in the code keep those values as their defaults. */
  @Test
  void tuningSettingsDefaultToTheFormerConstants() {
    OperatorConfig c = OperatorConfig.load(Map.of("NODE_NAME", "solaria"), Map.of());
    assertThat(c.reconcileThreads).isEqualTo(4);
    assertThat(c.reconcileRetryInitial).isEqualTo(Duration.ofMillis(1000));
    assertThat(c.reconcileRetryMultiplier).isEqualTo(2.0);
    assertThat(c.reconcileRetryMax).isEqualTo(Duration.ofMillis(300_000));
    assertThat(c.intakeCreators).isEqualTo(4);
    assertThat(c.intakeCreateRetryMax).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.intakeDrainTimeout).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.informerSyncTimeout).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.proposalGaugeInterval).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.heartbeatInterval).isEqualTo(Duration.ofSeconds(60));
  }

  static List<Setting<?>> settings() {
    return OperatorConfig.SETTINGS;
  }

  /** A constant default is of the setting's type, and its docs text parses back to it. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("settings")
  void eachDefaultParses(Setting<?> s) {
    if (s.defaultComputed()) {
      // Prose in the docs; what it computes is parsed like a given value (see defaults()).
      assertThat(s.defaultText()).isNotBlank();
      return;
    }
    Object def = s.read(Map.of());
    assertThat(def).isEqualTo(s.defaultValue());
    assertThat(s.type()).isNotNull();
    assertThat(def).isInstanceOf(s.type());
    if (!s.defaultText().isEmpty()) {
      assertThat(s.read(Map.of(s.env(), s.defaultText()))).isEqualTo(def);
    }
  }

  /** Settings that take any value: secrets, and LLM_CHAIN (its links are the model chain's job). */
  static final Set<String> UNCHECKED =
      Set.of("REDIS_PASSWORD", "LLM_API_KEY", "NOTIFY_NTFY_TOKEN", "LLM_CHAIN");

  /** For each setting: a value at the edge of its range that is taken, and one just outside. */
  static Stream<Arguments> edges() {
    return Stream.of(
        Arguments.of("REDIS_URL", "rediss://user:pw@redis:6380/0", "http://redis:6379"),
        Arguments.of("HEALTH_CHANNEL", "health.events:a", "health events"),
        Arguments.of("WORLD_CHANNEL", "world-updates", "world?"),
        Arguments.of("MAX_MESSAGE_BYTES", "64", "63"),
        Arguments.of("MAX_MESSAGE_BYTES", "1048576", "1048577"),
        Arguments.of("WATCH_NAMESPACE", "a".repeat(63), "a".repeat(64)),
        Arguments.of("WATCH_NAMESPACE", "homelab-1", "-homelab"),
        Arguments.of("LLM_TIMEOUT_SECONDS", "1", "0"),
        Arguments.of("LLM_TIMEOUT_SECONDS", "3600", "3601"),
        Arguments.of("LLM_CONCURRENCY", "1", "0"),
        Arguments.of("LLM_CONCURRENCY", "16", "17"),
        Arguments.of("NOTIFY_WEBHOOK_URL", "https://hooks.homelab:8443/remediation?x=1", "ftp://x"),
        Arguments.of("NOTIFY_NTFY_URL", "http://ntfy.homelab/remediation", "ntfy.homelab/x"),
        Arguments.of("NOTIFY_ALERTMANAGER_URL", "http://alertmanager:9093", "http://:9093"),
        Arguments.of("NOTIFY_ALERTMANAGER_REFRESH_SECONDS", "10", "9"),
        Arguments.of("NOTIFY_ALERTMANAGER_REFRESH_SECONDS", "3600", "3601"),
        Arguments.of("NOTIFY_TIMEOUT_SECONDS", "1", "0"),
        Arguments.of("NOTIFY_TIMEOUT_SECONDS", "120", "121"),
        Arguments.of("NOTIFY_ATTEMPTS", "1", "0"),
        Arguments.of("NOTIFY_ATTEMPTS", "20", "21"),
        Arguments.of("NOTIFY_RETRY_INITIAL_MILLIS", "10", "9"),
        Arguments.of("NOTIFY_RETRY_INITIAL_MILLIS", "60000", "60001"),
        Arguments.of("NOTIFY_RETRY_LATER_SECONDS", "1", "0"),
        Arguments.of("NOTIFY_RETRY_LATER_SECONDS", "3600", "3601"),
        Arguments.of("NOTIFY_QUEUE_CAPACITY", "1", "0"),
        Arguments.of("NOTIFY_QUEUE_CAPACITY", "10000", "10001"),
        Arguments.of("RETRY_BASE_SECONDS", "1", "0"),
        Arguments.of("RETRY_BASE_SECONDS", "3600", "3601"),
        Arguments.of("COOLDOWN_SECONDS", "0", "-1"),
        Arguments.of("COOLDOWN_SECONDS", "604800", "604801"),
        Arguments.of("MIN_CONFIDENCE", "0", "-0.01"),
        Arguments.of("MIN_CONFIDENCE", "1", "1.01"),
        Arguments.of("ALWAYS_HUMAN_NODES", "Pixel, nas-1,", "nas/1"),
        Arguments.of("NOTIFY_ONLY_EVENTS", "node:down,disk.full,backup/failed,-disk", "a\u0007b"),
        Arguments.of("NOTIFY_ONLY_EVENTS", "x".repeat(128), "x".repeat(129)),
        Arguments.of("APPROVAL_MODE", "EXECUTOR", "human"),
        Arguments.of("APPROVAL_TTL", "1s", "999ms"),
        Arguments.of("APPROVAL_TTL", "36500d", "36501d"),
        Arguments.of("APPROVAL_TTL", "PT1H", "99999999999999999999"),
        Arguments.of("APPROVAL_LINK_BASE_URL", "http://10.0.0.2:8081", "ftp://approve.lan"),
        Arguments.of(
            "APPROVAL_LINK_BASE_URL", "https://approve.lan/ops/", "https://approve.lan/?a=1"),
        Arguments.of("APPROVAL_LINK_SECRET", "s".repeat(32), "s".repeat(31)),
        Arguments.of("APPROVAL_PORT", "1", "0"),
        Arguments.of("APPROVAL_PORT", "65535", "65536"),
        Arguments.of("RETENTION", "1s", "0s"),
        Arguments.of("RETENTION", "36500d", "36501d"),
        Arguments.of("OUTCOME_WINDOW", "1s", "0s"),
        Arguments.of("OUTCOME_WINDOW", "36500d", "36501d"),
        Arguments.of("REMEDIATION_BUDGET", "0/1s", "-1/24h"),
        Arguments.of("REMEDIATION_BUDGET", "1000/36500d", "1001/24h"),
        Arguments.of("REMEDIATION_BUDGET", "3/24h", "3/0s"),
        Arguments.of("REMEDIATION_BUDGET", "3/24h", "three/24h"),
        Arguments.of("REMEDIATION_BUDGET", "3/24h", "3"),
        Arguments.of("PENDING_ACTIONS_DIR", "relative/dir", "bad\0dir"),
        Arguments.of("EVENTS_DIR", "/tmp/../var/events", "bad\0dir"),
        Arguments.of("NODE_NAME", "Solaria", "solaria/1"),
        Arguments.of("NODE_NAME", "n".repeat(63), "n".repeat(64)),
        Arguments.of("TOPOLOGY_FILE", "/etc/topology.yaml", "bad\0file"),
        Arguments.of("HTTP_PORT", "0", "-1"),
        Arguments.of("HTTP_PORT", "65535", "65536"),
        Arguments.of("LOG_FORMAT", "JSON", "xml"),
        Arguments.of("LOG_LEVEL", "WARN", "warning"),
        Arguments.of("HEARTBEAT_FILE", "/tmp/heartbeat", "bad\0file"),
        Arguments.of("HEARTBEAT_SECONDS", "1", "0"),
        Arguments.of("HEARTBEAT_SECONDS", "3600", "3601"),
        Arguments.of("LEADER_ELECTION", "FALSE", "yes"),
        Arguments.of("LEASE_NAME", "lease-1", "Lease_1"),
        Arguments.of("LEASE_DURATION_SECONDS", "2", "1"),
        Arguments.of("LEASE_DURATION_SECONDS", "600", "601"),
        Arguments.of("PROPOSING_GRACE_MILLIS", "0", "-1"),
        Arguments.of("PROPOSING_GRACE_MILLIS", "60000", "60001"),
        Arguments.of("FOLD_FLUSH_MILLIS", "10", "9"),
        Arguments.of("FOLD_FLUSH_MILLIS", "600000", "600001"),
        Arguments.of("INTAKE_BUFFER_BYTES", "1048576", "1048575"),
        Arguments.of("INTAKE_BUFFER_BYTES", "2147483648", "2147483649"),
        Arguments.of("INTAKE_WORKERS", "1", "0"),
        Arguments.of("INTAKE_WORKERS", "16", "17"),
        Arguments.of("INTAKE_CREATORS", "1", "0"),
        Arguments.of("INTAKE_CREATORS", "16", "17"),
        Arguments.of("INTAKE_CREATE_RETRY_MAX_SECONDS", "1", "0"),
        Arguments.of("INTAKE_CREATE_RETRY_MAX_SECONDS", "200", "201"),
        Arguments.of("INTAKE_DRAIN_SECONDS", "1", "0"),
        Arguments.of("INTAKE_DRAIN_SECONDS", "300", "301"),
        Arguments.of("INFORMER_SYNC_TIMEOUT_SECONDS", "1", "0"),
        Arguments.of("INFORMER_SYNC_TIMEOUT_SECONDS", "3600", "3601"),
        Arguments.of("PROPOSAL_GAUGE_SECONDS", "1", "0"),
        Arguments.of("PROPOSAL_GAUGE_SECONDS", "3600", "3601"),
        Arguments.of("RECONCILE_THREADS", "1", "0"),
        Arguments.of("RECONCILE_THREADS", "64", "65"),
        Arguments.of("RECONCILE_RETRY_INITIAL_MILLIS", "10", "9"),
        Arguments.of("RECONCILE_RETRY_INITIAL_MILLIS", "60000", "60001"),
        Arguments.of("RECONCILE_RETRY_MULTIPLIER", "1.0", "0.99"),
        Arguments.of("RECONCILE_RETRY_MULTIPLIER", "10", "10.5"),
        Arguments.of("RECONCILE_RETRY_MAX_SECONDS", "1", "0"),
        Arguments.of("RECONCILE_RETRY_MAX_SECONDS", "3600", "3601"));
  }

  /** Settings that only work together: the other one, given with each in the edge cases. */
  static final Map<String, Map<String, String>> COMPANIONS =
      Map.of(
          "APPROVAL_LINK_BASE_URL", Map.of("APPROVAL_LINK_SECRET", "s".repeat(32)),
          "APPROVAL_LINK_SECRET", Map.of("APPROVAL_LINK_BASE_URL", "https://approve.lan"),
          // The largest message must fit in the intake buffer (4 MiB by default).
          "MAX_MESSAGE_BYTES", Map.of("INTAKE_BUFFER_BYTES", Long.toString(32L << 20)),
          "APPROVAL_PORT",
              Map.of(
                  "APPROVAL_LINK_SECRET",
                  "s".repeat(32),
                  "APPROVAL_LINK_BASE_URL",
                  "https://approve.lan"));

  static Map<String, String> with(String env, String value) {
    Map<String, String> v = new java.util.HashMap<>(COMPANIONS.getOrDefault(env, Map.of()));
    v.put(env, value);
    return v;
  }

  @ParameterizedTest(name = "{0}: {1} taken, {2} refused")
  @MethodSource("edges")
  void eachSettingTakesItsRangeAndRefusesBeyondIt(String env, String taken, String refused) {
    OperatorConfig.load(with(env, taken), Map.of());
    assertThatThrownBy(() -> OperatorConfig.load(with(env, refused), Map.of()))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessageStartingWith("invalid setting " + env + ": ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"))
        .satisfies(e -> assertThat(((ConfigException) e).setting()).isEqualTo(env));
  }

  @Test
  void everyCheckedSettingHasEdgeCases() {
    Set<String> covered =
        edges().map(a -> (String) a.get()[0]).collect(Collectors.toCollection(HashSet::new));
    Set<String> all = settings().stream().map(Setting::env).collect(Collectors.toSet());
    assertThat(covered).doesNotContainAnyElementsOf(UNCHECKED);
    covered.addAll(UNCHECKED);
    assertThat(covered).isEqualTo(all);
  }

  /** Every declaration in Settings is in SETTINGS (so it has a flag and a docs row), once. */
  @Test
  void settingsListsEveryDeclarationOnce() throws IllegalAccessException {
    List<Setting<?>> declared = new ArrayList<>();
    for (Field f : Settings.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == Setting.class) {
        Setting<?> s = (Setting<?>) f.get(null);
        declared.add(s);
        assertThat(s.env()).isEqualTo(f.getName());
      }
    }
    assertThat(OperatorConfig.SETTINGS).containsExactlyInAnyOrderElementsOf(declared);
    assertThat(OperatorConfig.SETTINGS.stream().map(Setting::env)).doesNotHaveDuplicates();
  }

  @Test
  void docsTableShowsWhatEachSettingAccepts() {
    String table = OperatorConfig.markdownTable();
    assertThat(table)
        .startsWith("| Environment variable | Flag | Default | Allowed values | Description |\n")
        .contains("| `LLM_CONCURRENCY` | `--llm-concurrency` | `1` | 1 to 16 |")
        .contains("| `MIN_CONFIDENCE` | `--min-confidence` | `0.7` | 0.0 to 1.0 |")
        .contains(
            "| `APPROVAL_MODE` | `--approval-mode` | `annotation` | `annotation`, `executor` |")
        .contains("| `APPROVAL_TTL` | `--approval-ttl` | `24h` | 1s to 36500d |")
        .contains("| `APPROVAL_PORT` | `--approval-port` | `8081` | 1 to 65535 |")
        .contains("| `APPROVAL_LINK_SECRET` | `--approval-link-secret` | (none) | at least 32")
        .contains("| `NODE_NAME` | `--node-name` | the host name |")
        .contains("| `REDIS_PASSWORD` | `--redis-password` | (none) | any |");
    for (Setting<?> s : settings()) {
      assertThat(s.allowed()).as(s.env()).isNotBlank().doesNotContain("|");
      assertThat(table).contains("| `" + s.env() + "` | `" + s.flag() + "` | ");
    }
  }

  @Test
  void retriesGrowUpToAMaximumNotBelowTheFirstDelay() {
    assertThatThrownBy(
            () ->
                OperatorConfig.load(
                    Map.of(
                        "RECONCILE_RETRY_INITIAL_MILLIS", "60000",
                        "RECONCILE_RETRY_MAX_SECONDS", "59"),
                    Map.of()))
        .hasMessage(
            "invalid setting RECONCILE_RETRY_MAX_SECONDS: must be at least"
                + " RECONCILE_RETRY_INITIAL_MILLIS");
  }

  /** LLM_CHAIN is kept as given; the model chain (llm/) parses it once, at start-up. */
  @Test
  void llmChainIsKeptAsGiven() {
    assertThat(OperatorConfig.load(Map.of("LLM_CHAIN", "rules"), Map.of()).llmChain)
        .isEqualTo("rules");
  }

  /** config/ is read by everything and reads nothing of ours. */
  @Test
  void configImportsNoOtherPackageOfOurs() throws IOException {
    Path dir = Path.of("src/main/java/dev/homelab/remediation/config");
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        assertThat(Files.readString(f, StandardCharsets.UTF_8))
            .as(f.toString())
            .doesNotContainPattern("import (static )?dev\\.homelab\\.remediation\\.(?!config\\.)");
      }
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "REDIS_URL           | http://redis:6379",
        "REDIS_URL           | redis://",
        "REDIS_URL           | redis://127.0.0.1:99999",
        "REDIS_URL           | redis://redis:6379/db0",
        "REDIS_URL           | redis://redis:6379/99999999999",
        "REDIS_URL           | rediss://redis:6379?verifyPeer=bogus",
        "COOLDOWN_SECONDS    | soon",
        "COOLDOWN_SECONDS    | -1",
        "MIN_CONFIDENCE      | 1.5",
        "MIN_CONFIDENCE      | NaN",
        "MAX_MESSAGE_BYTES   | 0",
        "APPROVAL_MODE       | sometimes",
        "APPROVAL_TTL        | forever",
        "APPROVAL_TTL        | 0",
        "APPROVAL_TTL        | 9999999999999999h",
        "APPROVAL_TTL        | 9999999999999999d",
        "APPROVAL_TTL        | 99999999999999999999",
        "APPROVAL_TTL        | 99999999999999999999ms",
        "APPROVAL_TTL        | 999999999999999999ms",
        "APPROVAL_TTL        | 36501d",
        "APPROVAL_TTL        | P9999999999999999D",
        "APPROVAL_TTL        | PT99999999999999999999S",
        "RETENTION           | 9999999999999999h",
        "WATCH_NAMESPACE     | Not_A_Namespace",
        "ALWAYS_HUMAN_NODES  | ../etc",
        "NOTIFY_ONLY_EVENTS  | disk\u0000pressure",
        "HEALTH_CHANNEL      | health*",
        "LLM_TIMEOUT_SECONDS | 0",
        "FOLD_FLUSH_MILLIS   | 1",
      })
  void badValuesStopStartUpNamingTheSetting(String setting, String value) {
    assertThatThrownBy(() -> OperatorConfig.load(Map.of(setting, value), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(setting)
        .satisfies(e -> assertThat(((ConfigException) e).setting()).isEqualTo(setting));
  }

  /**
   * A URL java.net.URI reads but Lettuce does not stops start-up naming REDIS_URL, not after the
   * lease is taken; the password stays out of the message.
   */
  @Test
  void aRedisUrlTheIntakeCannotReadStopsStartUpWithoutThePassword() {
    assertThatThrownBy(
            () ->
                OperatorConfig.load(Map.of("REDIS_URL", "redis://:s3cret@redis:6379/x"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "invalid setting REDIS_URL: not a Redis URL: 'redis://***@redis:6379/x'")
        .hasMessageNotContaining("s3cret");
  }

  /** Every notification target is off unless its URL is set; an empty value is unset. */
  @Test
  void notificationTargetsAreOffByDefault() {
    OperatorConfig c = OperatorConfig.load(Map.of("NOTIFY_NTFY_URL", " "), Map.of());
    assertThat(c.notifyWebhookUrl).isEmpty();
    assertThat(c.notifyNtfyUrl).isEmpty();
    assertThat(c.notifyNtfyToken).isEmpty();
    assertThat(c.notifyAlertmanagerUrl).isEmpty();
    assertThat(c.notifyAlertmanagerRefresh).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.notifyTimeout).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.notifyAttempts).isEqualTo(5);
    assertThat(c.notifyRetryInitial).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.notifyRetryLater).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.notifyQueueCapacity).isEqualTo(100);
    OperatorConfig set =
        OperatorConfig.load(
            Map.of("NOTIFY_NTFY_URL", "https://ntfy.sh/homelab", "NOTIFY_NTFY_TOKEN", "tk_x"),
            Map.of());
    assertThat(set.notifyNtfyUrl).contains("https://ntfy.sh/homelab");
    assertThat(set.notifyNtfyToken).contains("tk_x");
  }

  @Test
  void aBadNotificationUrlNamesTheSettingAndHidesItsPassword() {
    assertThatThrownBy(
            () ->
                OperatorConfig.load(
                    Map.of("NOTIFY_WEBHOOK_URL", "smtp://bob:hunter2@mail/x"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("NOTIFY_WEBHOOK_URL")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void anEmptyListTurnsItsRuleOff() {
    OperatorConfig c =
        OperatorConfig.load(Map.of("ALWAYS_HUMAN_NODES", "", "NOTIFY_ONLY_EVENTS", " "), Map.of());
    assertThat(c.alwaysHumanNodes).isEmpty();
    assertThat(c.notifyOnlyEvents).isEmpty();
  }

  @Test
  void approvalLinksAreOffUnlessBothSettingsAreSet() {
    OperatorConfig off = OperatorConfig.load(Map.of(), Map.of());
    assertThat(off.approvalLinksEnabled()).isFalse();
    assertThat(off.approvalPort).isEqualTo(8081);
    // Empty is not set: the chart renders an optional Secret key that way.
    assertThat(
            OperatorConfig.load(
                    Map.of("APPROVAL_LINK_BASE_URL", "", "APPROVAL_LINK_SECRET", ""), Map.of())
                .approvalLinksEnabled())
        .isFalse();
    OperatorConfig on =
        OperatorConfig.load(
            Map.of(
                "APPROVAL_LINK_BASE_URL",
                "https://approve.lan/ops//",
                "APPROVAL_LINK_SECRET",
                "s".repeat(40)),
            Map.of("APPROVAL_PORT", "9091"));
    assertThat(on.approvalLinksEnabled()).isTrue();
    assertThat(on.approvalLinkBaseUrl).contains("https://approve.lan/ops");
    assertThat(on.approvalPort).isEqualTo(9091);
  }

  @Test
  void oneLinkSettingWithoutTheOtherStopsStartUpNamingTheMissingOne() {
    assertThatThrownBy(
            () ->
                OperatorConfig.load(
                    Map.of("APPROVAL_LINK_BASE_URL", "https://approve.lan"), Map.of()))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessage(
            "invalid setting APPROVAL_LINK_SECRET: must be set too when APPROVAL_LINK_BASE_URL is"
                + " (approval links need both)");
    assertThatThrownBy(
            () -> OperatorConfig.load(Map.of("APPROVAL_LINK_SECRET", "s".repeat(32)), Map.of()))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessage(
            "invalid setting APPROVAL_LINK_BASE_URL: must be set too when APPROVAL_LINK_SECRET is"
                + " (approval links need both)");
  }

  @Test
  void aShortSecretIsRefusedWithoutShowingIt() {
    assertThatThrownBy(
            () ->
                OperatorConfig.load(
                    Map.of(
                        "APPROVAL_LINK_BASE_URL", "https://approve.lan",
                        "APPROVAL_LINK_SECRET", "hunter2-hunter2"),
                    Map.of()))
        .hasMessageStartingWith("invalid setting APPROVAL_LINK_SECRET: must be at least 32")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
  }

  @Test
  void theLinksPortMustDifferFromTheOpsPort() {
    assertThatThrownBy(
            () ->
                OperatorConfig.load(
                    Map.of(
                        "APPROVAL_LINK_BASE_URL", "https://approve.lan",
                        "APPROVAL_LINK_SECRET", "s".repeat(32),
                        "APPROVAL_PORT", "8080"),
                    Map.of()))
        .hasMessage("invalid setting APPROVAL_PORT: must differ from HTTP_PORT");
    // Off, the port is not used: nothing to refuse.
    OperatorConfig.load(Map.of("APPROVAL_PORT", "8080"), Map.of());
  }

  @Test
  void channelsMustDiffer() {
    assertThatThrownBy(
            () ->
                OperatorConfig.load(Map.of("HEALTH_CHANNEL", "x", "WORLD_CHANNEL", "x"), Map.of()))
        .hasMessageContaining("WORLD_CHANNEL");
  }

  @Test
  void theTwoDirectoriesMustDiffer() {
    assertThatThrownBy(
            () ->
                OperatorConfig.load(
                    Map.of("PENDING_ACTIONS_DIR", "/var/lib/x", "EVENTS_DIR", "/var/lib/x/"),
                    Map.of()))
        .hasMessage("invalid setting EVENTS_DIR: must differ from PENDING_ACTIONS_DIR");
  }

  @Test
  void durationsUsersWrite() {
    assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(Durations.parse("24h")).isEqualTo(Duration.ofHours(24));
    assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("PT2H")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("45")).isEqualTo(Duration.ofSeconds(45));
  }

  @Test
  void aDurationLongerThanAHundredYearsIsRefusedWithOneMessage() {
    assertThat(Durations.parse("36500d")).isEqualTo(Duration.ofDays(36_500));
    assertThatThrownBy(
            () -> OperatorConfig.load(Map.of("APPROVAL_TTL", "9999999999999999h"), Map.of()))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessage(
            "invalid setting APPROVAL_TTL: must be at most 36500d (100 years),"
                + " got '9999999999999999h'")
        .hasNoCause();
    assertThatThrownBy(
            () -> OperatorConfig.load(Map.of("RETENTION", "99999999999999999999"), Map.of()))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessage(
            "invalid setting RETENTION: must be at most 36500d (100 years),"
                + " got '99999999999999999999'");
  }

  /**
   * The event is copied into its proposal, and an API server refuses objects over about 1.5 MiB: a
   * larger MAX_MESSAGE_BYTES (16 MiB was taken) stops start-up, saying why, instead of letting the
   * intake retry a create that can never succeed.
   */
  @Test
  void maxMessageBytesIsAtMostOneMibSinceTheEventMustFitInItsProposal() {
    assertThat(OperatorConfig.load(with("MAX_MESSAGE_BYTES", "1048576"), Map.of()).maxMessageBytes)
        .isEqualTo(1048576);
    assertThatThrownBy(() -> OperatorConfig.load(with("MAX_MESSAGE_BYTES", "16777216"), Map.of()))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessage(
            "invalid setting MAX_MESSAGE_BYTES: must be at most 1048576 (1 MiB), got 16777216: the"
                + " event is copied into its proposal, and the Kubernetes API server (etcd) refuses"
                + " objects over about 1.5 MiB, so a larger message could never become one");
    assertThatThrownBy(() -> OperatorConfig.load(Map.of("MAX_MESSAGE_BYTES", "63"), Map.of()))
        .hasMessage("invalid setting MAX_MESSAGE_BYTES: must be between 64 and 1048576, got 63");
  }

  @Test
  void docsTableIsCurrent() throws IOException {
    String doc = Files.readString(Path.of("docs/configuration.md"), StandardCharsets.UTF_8);
    assertThat(doc)
        .as(
            "docs/configuration.md must contain the table printed by `remediation-operator config-docs`")
        .contains(OperatorConfig.markdownTable());
    assertThat(Files.readString(Path.of("README.md"), StandardCharsets.UTF_8))
        .as("README.md must contain the table printed by `remediation-operator config-docs`")
        .contains(OperatorConfig.markdownTable());
    for (Setting<?> s : OperatorConfig.SETTINGS) {
      assertThat(s.flag()).startsWith("--").doesNotContain("_");
    }
  }

  @Test
  void runStopsWithOneMessageNamingABadSetting() {
    Run run = run("--cooldown-seconds", "soon");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.stderr().trim())
        .isEqualTo(
            "remediation-operator: invalid setting COOLDOWN_SECONDS: must be a whole number, got 'soon'");
  }

  @Test
  void runStopsWithOneMessageWhenADurationOverflows() {
    Run run = run("--approval-ttl", "9999999999999999h");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.stderr())
        .isEqualTo(
            "remediation-operator: invalid setting APPROVAL_TTL: must be at most 36500d (100 years),"
                + " got '9999999999999999h'"
                + System.lineSeparator());
  }

  record Run(int code, String stderr) {}

  static Run run(String... flags) {
    java.io.PrintStream saved = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
    String[] args = new String[flags.length + 1];
    args[0] = "run";
    System.arraycopy(flags, 0, args, 1, flags.length);
    int code;
    try {
      code = dev.homelab.remediation.RemediationOperatorApp.commandLine().execute(args);
    } finally {
      System.setErr(saved);
    }
    return new Run(code, captured.toString(StandardCharsets.UTF_8));
  }
}
