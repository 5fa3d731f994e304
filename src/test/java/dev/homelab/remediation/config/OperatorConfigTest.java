package dev.homelab.remediation.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "REDIS_URL           | http://redis:6379",
        "REDIS_URL           | redis://",
        "REDIS_URL           | redis://127.0.0.1:99999",
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
        "NOTIFY_ONLY_EVENTS  | disk pressure",
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

  @Test
  void anEmptyListTurnsItsRuleOff() {
    OperatorConfig c =
        OperatorConfig.load(Map.of("ALWAYS_HUMAN_NODES", "", "NOTIFY_ONLY_EVENTS", " "), Map.of());
    assertThat(c.alwaysHumanNodes).isEmpty();
    assertThat(c.notifyOnlyEvents).isEmpty();
  }

  @Test
  void channelsMustDiffer() {
    assertThatThrownBy(
            () ->
                OperatorConfig.load(Map.of("HEALTH_CHANNEL", "x", "WORLD_CHANNEL", "x"), Map.of()))
        .hasMessageContaining("WORLD_CHANNEL");
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

  @Test
  void docsTableIsCurrent() throws IOException {
    String doc = Files.readString(Path.of("docs/configuration.md"), StandardCharsets.UTF_8);
    assertThat(doc)
        .as(
            "docs/configuration.md must contain the table printed by `remediation-operator config-docs`")
        .contains(OperatorConfig.markdownTable());
    for (Setting s : OperatorConfig.SETTINGS) {
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
