package dev.homelab.remediation.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.homelab.remediation.config.ConfigException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Local mode's settings: flags over environment over local defaults over the operator's. */
class LocalSettingsTest {

  @Test
  void localDefaults() {
    LocalSettings s = LocalSettings.resolve(Map.of(), Map.of(), null, null, null);
    Path data = Path.of("local-data").toAbsolutePath();
    assertThat(s.apiPort()).isEqualTo(26443);
    assertThat(s.redisPort()).isEqualTo(26379);
    assertThat(s.dataDir()).isEqualTo(data);
    assertThat(s.kubeconfig()).isEqualTo(data.resolve("kubeconfig"));
    assertThat(s.externalRedisUrl()).isEmpty();
    assertThat(s.operator().redisUrl).isEqualTo("redis://127.0.0.1:26379");
    assertThat(s.operator().watchNamespace).isEqualTo("default");
    assertThat(s.operator().llmChain).isEqualTo("rules");
    assertThat(s.operator().pendingActionsDir).isEqualTo(data.resolve("pending-actions"));
    assertThat(s.operator().eventsDir).isEqualTo(data.resolve("events"));
    assertThat(s.operator().nodeName).isEqualTo(LocalSettings.hostNodeName()).isNotBlank();
    assertThat(s.operator().cooldown).hasSeconds(300);
    assertThat(s.operator().httpPort)
        .as("the same endpoints as run, on a port of their own")
        .isEqualTo(26080);
    assertThat(s.objectsDir()).isEqualTo(data.resolve("objects"));
  }

  @Test
  void theOperationsPortIsASettingAndMustNotCollide() {
    assertThat(
            LocalSettings.resolve(Map.of("HTTP_PORT", "0"), Map.of(), null, null, null)
                .operator()
                .httpPort)
        .as("0 turns the endpoints off, as in run")
        .isZero();
    assertThat(
            LocalSettings.resolve(Map.of(), Map.of("HTTP_PORT", "9090"), null, null, null)
                .operator()
                .httpPort)
        .isEqualTo(9090);
    assertThatThrownBy(
            () -> LocalSettings.resolve(Map.of("HTTP_PORT", "26443"), Map.of(), null, null, null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("HTTP_PORT")
        .hasMessageContaining("must differ from LOCAL_API_PORT");
    assertThatThrownBy(
            () -> LocalSettings.resolve(Map.of("HTTP_PORT", "26379"), Map.of(), null, null, null))
        .hasMessageContaining("must differ from LOCAL_REDIS_PORT");
    assertThat(
            LocalSettings.resolve(
                    Map.of("HTTP_PORT", "26379", "REDIS_URL", "redis://nas:6379"),
                    Map.of(),
                    null,
                    null,
                    null)
                .operator()
                .httpPort)
        .as("no embedded Redis, no collision")
        .isEqualTo(26379);
  }

  @Test
  void environmentOverridesLocalDefaultsAndFlagsOverrideTheEnvironment() {
    Map<String, String> env =
        Map.of(
            "LLM_CHAIN", "ollama:llama3.1:8b@http://127.0.0.1:11434,rules",
            "PENDING_ACTIONS_DIR", "/tmp/pa",
            "WATCH_NAMESPACE", "homelab",
            "NODE_NAME", "solaria",
            "COOLDOWN_SECONDS", "60",
            "LOCAL_API_PORT", "7443",
            "LOCAL_DATA_DIR", "/tmp/ld",
            "EVENTS_DIR", "  ");
    LocalSettings s =
        LocalSettings.resolve(env, Map.of("COOLDOWN_SECONDS", "90"), null, 7379, null);
    assertThat(s.operator().llmChain).startsWith("ollama:");
    assertThat(s.operator().pendingActionsDir).isEqualTo(Path.of("/tmp/pa"));
    assertThat(s.operator().eventsDir)
        .as("a blank variable counts as unset")
        .isEqualTo(Path.of("/tmp/ld/events"));
    assertThat(s.operator().watchNamespace).isEqualTo("homelab");
    assertThat(s.operator().nodeName).isEqualTo("solaria");
    assertThat(s.operator().cooldown).hasSeconds(90);
    assertThat(s.apiPort()).isEqualTo(7443);
    assertThat(s.redisPort()).isEqualTo(7379);
    assertThat(s.operator().redisUrl).isEqualTo("redis://127.0.0.1:7379");
    assertThat(s.dataDir()).isEqualTo(Path.of("/tmp/ld"));
  }

  /**
   * As in `run`: an empty list variable turns its rule off; only an unset one takes the default.
   */
  @Test
  void anEmptyListVariableTurnsItsRuleOffAsInRun() {
    LocalSettings off =
        LocalSettings.resolve(
            Map.of("ALWAYS_HUMAN_NODES", "", "NOTIFY_ONLY_EVENTS", " "),
            Map.of(),
            null,
            null,
            null);
    assertThat(off.operator().alwaysHumanNodes).isEmpty();
    assertThat(off.operator().notifyOnlyEvents).isEmpty();
    LocalSettings unset = LocalSettings.resolve(Map.of(), Map.of(), null, null, null);
    assertThat(unset.operator().alwaysHumanNodes).containsExactly("chelsty");
    assertThat(unset.operator().notifyOnlyEvents).containsExactly("disk_pressure");
  }

  @Test
  void redisUrlReplacesTheEmbeddedRedis() {
    LocalSettings env =
        LocalSettings.resolve(Map.of("REDIS_URL", "redis://nas:6379"), Map.of(), null, null, null);
    assertThat(env.externalRedisUrl()).contains("redis://nas:6379");
    assertThat(env.operator().redisUrl).isEqualTo("redis://nas:6379");
    LocalSettings flag =
        LocalSettings.resolve(
            Map.of(), Map.of("REDIS_URL", "redis://other:6379"), null, null, null);
    assertThat(flag.externalRedisUrl()).contains("redis://other:6379");
  }
}
