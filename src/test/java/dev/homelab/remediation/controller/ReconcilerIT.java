package dev.homelab.remediation.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.RemediationOperatorApp;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The whole operator (controller and intake) on the mock API server with a real Redis. */
@EnableKubernetesMockClient(crud = true)
class ReconcilerIT {
  static KubernetesClient client;

  @Test
  void publishedEventBecomesAPendingProposalWithConditionAndObservedGeneration() {
    TestKube.installCrd(client);
    try (TestRedis redis = new TestRedis()) {
      OperatorConfig cfg =
          OperatorConfig.withDefaults(
              Map.of("REDIS_URL", redis.url(), "WATCH_NAMESPACE", "homelab", "NODE_NAME", "solaria",
                  "FOLD_FLUSH_MILLIS", "100"));
      try (RemediationOperatorApp.Running running =
          RemediationOperatorApp.start(
              new RemediationOperatorApp.Wiring(cfg, client, new SimpleMeterRegistry(), Clock.systemUTC(), false))) {
        await().atMost(Duration.ofSeconds(20)).until(running::ready);
        for (int i = 0; i < 5; i++) {
          redis.publish("health_events",
              "{\"event_type\":\"service_unhealthy\",\"node\":\"chelsty\",\"service\":\"zigbee2mqtt\",\"timestamp\":\"2026-05-27T17:11:39Z\"}");
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          var items = TestKube.proposals(client, "homelab");
          assertThat(items).hasSize(1);
          RemediationProposal p = items.get(0);
          assertThat(p.getStatus()).isNotNull();
          assertThat(p.getStatus().getPhase()).isEqualTo(Phase.Pending);
          assertThat(p.getStatus().getObservedGeneration()).isEqualTo(p.getMetadata().getGeneration());
          assertThat(p.getStatus().getConditions())
              .extracting(Condition::getType, Condition::getStatus, Condition::getReason)
              .containsExactly(org.assertj.core.groups.Tuple.tuple("Proposed", "False", "Pending"));
          // The reconciler's patch and the intake's patch touch different fields: both survive.
          assertThat(p.getStatus().getOccurrences()).isEqualTo(5L);
          assertThat(p.getStatus().getLastSeen()).isEqualTo("2026-05-27T17:11:39Z");
        });
      }
    }
  }
}
