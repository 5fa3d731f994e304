package dev.homelab.remediation.cli;

import dev.homelab.remediation.links.Verdict;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.function.Supplier;
import picocli.CommandLine.Command;

@Command(
    name = "approve",
    mixinStandardHelpOptions = true,
    description =
        "Approve a proposal that awaits approval, as kubectl annotate would (approval=approved,"
            + " approved-by); exits 1 and changes nothing when it is in another phase or past its"
            + " expiry (status.expiresAt).")
public final class ApproveCommand extends DecisionCommand {
  public ApproveCommand() {
    this(kubeconfig());
  }

  ApproveCommand(Supplier<KubernetesClient> clients) {
    super(Verdict.APPROVE, clients);
  }
}
