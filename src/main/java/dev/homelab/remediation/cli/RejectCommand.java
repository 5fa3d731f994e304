package dev.homelab.remediation.cli;

import dev.homelab.remediation.links.Verdict;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.function.Supplier;
import picocli.CommandLine.Command;

@Command(
    name = "reject",
    mixinStandardHelpOptions = true,
    description =
        "Reject a proposal that awaits approval, as kubectl annotate would (approval=rejected,"
            + " approved-by); exits 1 and changes nothing when it is in another phase or past its"
            + " expiry (status.expiresAt).")
public final class RejectCommand extends DecisionCommand {
  public RejectCommand() {
    this(kubeconfig());
  }

  RejectCommand(Supplier<KubernetesClient> clients) {
    super(Verdict.REJECT, clients);
  }
}
