package dev.homelab.remediation.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import dev.homelab.remediation.api.v1alpha1.RemediationSilenceSpec;
import dev.homelab.remediation.api.v1alpha1.SilenceMatchers;
import dev.homelab.remediation.api.v1alpha1.SilenceState;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.decision.Silences;
import dev.homelab.remediation.ops.Leadership;
import dev.homelab.remediation.runtime.Controller;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The operator side of silences on the mock API server: the cache the proposals are matched against
 * is filled before the controller starts and follows changes; each silence's status shows its
 * state, written once per change, and it is deleted RETENTION after its endsAt.
 */
@MockKube
class SilenceReconcilerIT {
  static KubernetesClient client;
  static KubernetesMockServer server;
  static final String NS = "silences";

  static RemediationSilence silence(String name, String node, Instant startsAt, String endsAt) {
    RemediationSilence s = new RemediationSilence();
    s.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    RemediationSilenceSpec spec = new RemediationSilenceSpec();
    spec.setMatchers(new SilenceMatchers(node, null, null));
    spec.setStartsAt(startsAt == null ? null : startsAt.toString());
    spec.setEndsAt(endsAt);
    spec.setCreatedBy("test");
    s.setSpec(spec);
    return client.resource(s).create();
  }

  static SilenceState state(String name) {
    RemediationSilence s =
        client.resources(RemediationSilence.class).inNamespace(NS).withName(name).get();
    return s == null || s.getStatus() == null ? null : s.getStatus().getState();
  }

  static boolean gone(String name) {
    return client.resources(RemediationSilence.class).inNamespace(NS).withName(name).get() == null;
  }

  @Test
  void silencesAreCachedShowTheirStateAndAreDeletedAfterRetention() throws Exception {
    TestKube.installCrd(client);
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    silence("active", "chelsty", null, t0.plusSeconds(4).toString());
    silence("pending", "solaria", t0.plusSeconds(2), t0.plusSeconds(4).toString());
    silence("broken", "chelsty", null, "tomorrow");
    silence("done", null, null, t0.minusSeconds(3600).toString());
    while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
      // the setup's own requests
    }
    OperatorConfig cfg =
        OperatorConfig.withDefaults(
            Map.of(
                "WATCH_NAMESPACE", NS,
                "LEADER_ELECTION", "false",
                "LLM_CHAIN", "rules",
                "RETENTION", "2s"));
    Wiring w = new Wiring(cfg, client, new SimpleMeterRegistry(), Clock.systemUTC(), false);
    Leadership leadership = new Leadership(client, NS, cfg.leaseName, "test", Clock.systemUTC());
    try (Controller c = Controller.start(w, leadership, () -> {}, () -> {})) {
      // Known before anything is reconciled ("done" may be deleted already); the invalid one
      // matches nothing.
      assertThat(c.silences().current())
          .extracting(Silences.Silence::name)
          .contains("active", "pending")
          .doesNotContain("broken")
          .isSorted();
      assertThat(
              Silences.matching(
                  c.silences().current(), "chelsty", "zigbee2mqtt", "service_unhealthy", t0))
          .contains("active");
      assertThat(Silences.matching(c.silences().current(), "solaria", null, "node_offline", t0))
          .isEmpty();

      await().atMost(Duration.ofSeconds(10)).until(() -> gone("done"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  state("active") == SilenceState.Active
                      && state("pending") == SilenceState.Pending
                      && state("broken") == SilenceState.Invalid);
      RemediationSilence broken =
          client.resources(RemediationSilence.class).inNamespace(NS).withName("broken").get();
      assertThat(broken.getStatus().getMessage()).contains("endsAt 'tomorrow'");

      await().atMost(Duration.ofSeconds(10)).until(() -> state("pending") == SilenceState.Active);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  state("active") == SilenceState.Expired
                      && state("pending") == SilenceState.Expired);
      await().atMost(Duration.ofSeconds(10)).until(() -> gone("active") && gone("pending"));
      assertThat(state("broken")).isEqualTo(SilenceState.Invalid);

      // Later silences reach the cache too, and deleted ones leave it.
      silence("later", "chelsty", null, Instant.now().plusSeconds(3600).toString());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  c.silences().current().stream()
                      .map(Silences.Silence::name)
                      .toList()
                      .equals(java.util.List.of("later")));
      assertThat(
              Silences.matching(
                  c.silences().current(), "chelsty", null, "node_offline", Instant.now()))
          .contains("later");
    }

    // One status write per change of state, and one delete per silence past retention.
    Map<String, Integer> statusPatches = new HashMap<>();
    Map<String, Integer> deletes = new HashMap<>();
    RecordedRequest r;
    while ((r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      String path = r.getPath();
      if (!path.contains("/remediationsilences/")) {
        continue;
      }
      String name = path.replaceAll(".*/remediationsilences/([^/?]+).*", "$1");
      if ("PATCH".equals(r.getMethod()) && path.contains("/status")) {
        statusPatches.merge(name, 1, Integer::sum);
      } else if ("DELETE".equals(r.getMethod())) {
        deletes.merge(name, 1, Integer::sum);
      }
    }
    assertThat(statusPatches)
        .containsEntry("active", 2) // Active, Expired
        .containsEntry("pending", 3) // Pending, Active, Expired
        .containsEntry("broken", 1)
        .doesNotContainKey("done");
    assertThat(deletes).containsOnlyKeys("done", "active", "pending");
    assertThat(deletes.values()).allMatch(n -> Objects.equals(n, 1));
  }
}
