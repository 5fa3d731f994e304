package dev.homelab.remediation.runtime;

import dev.homelab.remediation.config.OperatorConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;

/**
 * What the operator is wired with. {@code onLeadershipLost} runs as soon as the lease is lost,
 * right after the reconciler's fence is raised and before anything is stopped ({@code run} halts
 * the process, so Kubernetes restarts it as a standby); in-process, the model router is stopped and
 * the intake dropped after it.
 */
public record Wiring(
    OperatorConfig config,
    KubernetesClient client,
    MeterRegistry registry,
    Clock clock,
    boolean serverSideApply,
    Runnable onLeadershipLost) {

  public Wiring(
      OperatorConfig config,
      KubernetesClient client,
      MeterRegistry registry,
      Clock clock,
      boolean serverSideApply) {
    this(config, client, registry, clock, serverSideApply, () -> {});
  }
}
