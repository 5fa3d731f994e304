package dev.homelab.remediation.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.ops.Leadership;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JOSDK tunables reach the controller from their settings, not from constants. */
@MockKube
class ControllerSettingsIT {
  static KubernetesClient client;

  @Test
  void reconcileThreadsAndRetryComeFromTheSettings() {
    TestKube.installCrd(client);
    OperatorConfig cfg =
        OperatorConfig.withDefaults(
            Map.of(
                "WATCH_NAMESPACE", "tunables",
                "LEADER_ELECTION", "false",
                "LLM_CHAIN", "rules",
                "RECONCILE_THREADS", "7",
                "RECONCILE_RETRY_INITIAL_MILLIS", "250",
                "RECONCILE_RETRY_MULTIPLIER", "3",
                "RECONCILE_RETRY_MAX_SECONDS", "42"));
    Wiring w = new Wiring(cfg, client, new SimpleMeterRegistry(), Clock.systemUTC(), false);
    Leadership leadership =
        new Leadership(client, cfg.watchNamespace, cfg.leaseName, "test", Clock.systemUTC());
    try (Controller c = Controller.start(w, leadership, () -> {}, () -> {})) {
      assertThat(c.operator().getConfigurationService().concurrentReconciliationThreads())
          .isEqualTo(7);
      assertThat(c.operator().getRegisteredControllers()).hasSize(2);
      for (var registered : c.operator().getRegisteredControllers()) {
        GenericRetry retry = (GenericRetry) registered.getConfiguration().getRetry();
        assertThat(retry.getInitialInterval()).isEqualTo(250);
        assertThat(retry.getIntervalMultiplier()).isEqualTo(3.0);
        assertThat(retry.getMaxInterval()).isEqualTo(42_000);
      }
    }
  }
}
