package dev.homelab.remediation.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description =
        "Write one review-ready manifest per open proposal into DIR, for a GitOps pull request: "
            + "only name, namespace and the approval annotation (commented out); the rest as comments.")
public final class ExportCommand implements Callable<Integer> {
  @CommandLine.Parameters(index = "0", paramLabel = "DIR", description = "Directory to write into.")
  java.nio.file.Path dir;

  @CommandLine.Option(
      names = {"-n", "--namespace"},
      description = "Namespace of the proposals (default: WATCH_NAMESPACE, else the kubeconfig's).")
  String namespace;

  /** The environment (a field, so tests can give their own). */
  java.util.Map<String, String> env = System.getenv();

  @Override
  public Integer call() throws IOException {
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      String ns;
      try {
        ns = SettingFlags.namespace(namespace, env, client);
      } catch (dev.homelab.remediation.config.ConfigException e) {
        System.err.println("remediation-operator export: " + e.getMessage());
        return 2;
      }
      var items =
          client
              .resources(dev.homelab.remediation.api.v1alpha1.RemediationProposal.class)
              .inNamespace(ns)
              .list()
              .getItems();
      var written = dev.homelab.remediation.gitops.ProposalExporter.export(items, dir);
      written.forEach(f -> System.out.println(f));
      System.err.println("exported " + written.size() + " open proposal(s) from namespace " + ns);
      return 0;
    }
  }
}
