package dev.homelab.remediation.cli;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.gitops.ProposalExporter;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description =
        "Write one review-ready manifest per open proposal into DIR, for a GitOps pull request: "
            + "only name, namespace and the approval annotation (commented out); the rest as comments. "
            + "Removes the files an earlier export wrote there for proposals no longer open.")
public final class ExportCommand extends ClusterCommand {
  @Parameters(index = "0", paramLabel = "DIR", description = "Directory to write into.")
  Path dir;

  @Option(
      names = "--keep-closed",
      description =
          "Keep the files of proposals that are no longer open (decided, expired or deleted).")
  boolean keepClosed;

  public ExportCommand() {
    this(kubeconfig());
  }

  ExportCommand(Supplier<KubernetesClient> clients) {
    super(clients);
  }

  @Override
  int run(KubernetesClient client, String ns, PrintWriter out, PrintWriter err) {
    List<RemediationProposal> items =
        client.resources(RemediationProposal.class).inNamespace(ns).list().getItems();
    List<Path> written;
    List<Path> removed;
    try {
      written = ProposalExporter.export(items, dir);
      removed = keepClosed ? List.of() : ProposalExporter.prune(items, ns, dir);
    } catch (IOException e) {
      err.println(prefix() + "cannot write into " + dir + ": " + e);
      return 1;
    }
    written.forEach(out::println);
    removed.forEach(f -> err.println("removed " + f + " (no longer open)"));
    err.println(
        "exported "
            + written.size()
            + " open proposal(s) from namespace "
            + ns
            + (removed.isEmpty() ? "" : ", removed " + removed.size() + " file(s)"));
    return 0;
  }
}
