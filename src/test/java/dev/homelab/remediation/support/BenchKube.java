package dev.homelab.remediation.support;

import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The API server a benchmark runs against: the class's Fabric8 mock server, or a real
 * kube-apiserver named by {@code -Dbench.kubeconfig=FILE} (its current context's user must be
 * allowed everything: CRDs, namespaces, leases, Events). On a real server each namespace a
 * benchmark uses is created when missing and emptied of proposals and Events first, so an earlier
 * run's objects are not folded into or counted.
 */
public final class BenchKube {
  public static final String PROPERTY = "bench.kubeconfig";

  private BenchKube() {}

  /** Whether a real API server was named. */
  public static boolean real() {
    return !System.getProperty(PROPERTY, "").isBlank();
  }

  /** A client of the real API server: for the benchmark itself and its watch. */
  public static KubernetesClient client() throws IOException {
    String kubeconfig = Files.readString(Path.of(System.getProperty(PROPERTY)));
    Config config = Config.fromKubeconfig(kubeconfig);
    // The benchmark's own loops must not be throttled below what the operator is measured at.
    config.setRequestTimeout(30_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /**
   * The CRDs, applied (a real server may hold an older copy) and waited for until Established; on
   * the mock server, {@link TestKube#installCrd}.
   */
  public static void installCrd(KubernetesClient client) {
    if (!real()) {
      TestKube.installCrd(client);
      return;
    }
    for (CustomResourceDefinition crd : List.of(TestKube.crd(), TestKube.silenceCrd())) {
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .resource(crd)
          .forceConflicts()
          .serverSideApply();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                CustomResourceDefinition got =
                    client
                        .apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName(crd.getMetadata().getName())
                        .get();
                return got != null
                    && got.getStatus() != null
                    && got.getStatus().getConditions().stream()
                        .anyMatch(
                            c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
              });
    }
  }

  /** On a real server: {@code ns} exists and holds no proposals, Events or leases. */
  public static void prepare(KubernetesClient client, String ns) {
    if (!real()) {
      return;
    }
    if (client.namespaces().withName(ns).get() == null) {
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
    }
    client.resources(RemediationProposal.class).inNamespace(ns).delete();
    client.v1().events().inNamespace(ns).delete();
    // An earlier run's lease would make the operator wait for it to lapse.
    client.leases().inNamespace(ns).delete();
    await()
        .atMost(Duration.ofMinutes(1))
        .until(
            () ->
                TestKube.proposals(client, ns).isEmpty()
                    && client.v1().events().inNamespace(ns).list().getItems().isEmpty());
  }
}
