package dev.homelab.remediation.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.homelab.remediation.config.ConfigException;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The namespace a command acts in, read through the WATCH_NAMESPACE setting. */
class SettingFlagsTest {
  static KubernetesClient client(String namespace) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder()
                .withMasterUrl("https://127.0.0.1:1")
                .withNamespace(namespace)
                .build())
        .build();
  }

  @Test
  void theFlagWinsThenTheSettingThenTheKubeconfig() {
    try (KubernetesClient c = client("from-kubeconfig")) {
      assertThat(SettingFlags.namespace("flag", Map.of("WATCH_NAMESPACE", "env"), c))
          .isEqualTo("flag");
      assertThat(SettingFlags.namespace(null, Map.of("WATCH_NAMESPACE", "env"), c))
          .isEqualTo("env");
      assertThat(SettingFlags.namespace(null, Map.of(), c)).isEqualTo("from-kubeconfig");
    }
  }

  @Test
  void aBadNamespaceIsRefusedNamingTheSetting() {
    try (KubernetesClient c = client("x")) {
      assertThatThrownBy(
              () -> SettingFlags.namespace(null, Map.of("WATCH_NAMESPACE", "Not/Valid"), c))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("WATCH_NAMESPACE");
      assertThatThrownBy(() -> SettingFlags.namespace("../etc", Map.of(), c))
          .isInstanceOf(ConfigException.class);
    }
  }
}
