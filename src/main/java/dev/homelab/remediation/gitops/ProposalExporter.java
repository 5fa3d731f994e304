package dev.homelab.remediation.gitops;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.decision.Approvals;
import dev.homelab.remediation.dispatch.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Writes one review-ready manifest per open proposal, for a pull request in a GitOps repository.
 * The manifest carries only the name, the namespace and the approval annotation (commented out):
 * uncommenting it and merging approves the proposal, whatever tool applies it. Everything a
 * reviewer needs (event, proposal, policy) is in comments, so re-applying the file after the
 * proposal is gone can never recreate it with a spec.
 */
public final class ProposalExporter {
  private ProposalExporter() {}

  /** Writes the files and returns their paths, one per proposal that is still open. */
  public static List<Path> export(List<RemediationProposal> proposals, Path dir)
      throws IOException {
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    List<RemediationProposal> open =
        proposals.stream()
            .filter(p -> p.getSpec() != null)
            .filter(
                p ->
                    p.getStatus() == null
                        || p.getStatus().getPhase() == null
                        || p.getStatus().getPhase().isOpen())
            .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
            .toList();
    for (RemediationProposal p : open) {
      Path file =
          dir.resolve(p.getMetadata().getNamespace() + "-" + p.getMetadata().getName() + ".yaml");
      AtomicFiles.write(file, manifest(p).getBytes(StandardCharsets.UTF_8));
      written.add(file);
    }
    return written;
  }

  static String manifest(RemediationProposal p) {
    RemediationProposalStatus s = p.getStatus();
    Phase phase = s == null || s.getPhase() == null ? Phase.Pending : s.getPhase();
    StringBuilder y = new StringBuilder();
    y.append("# RemediationProposal ")
        .append(p.getMetadata().getNamespace())
        .append('/')
        .append(p.getMetadata().getName())
        .append(" (")
        .append(phase)
        .append(")\n");
    y.append("# event:    ")
        .append(oneLine(p.getSpec().getEventType()))
        .append(" on ")
        .append(oneLine(p.getSpec().getSvcKey()))
        .append(", severity ")
        .append(oneLine(p.getSpec().getSeverity()))
        .append(", observed ")
        .append(oneLine(p.getSpec().getObservedAt()))
        .append('\n');
    if (p.getSpec().getMessage() != null) {
      y.append("# message:  ").append(oneLine(p.getSpec().getMessage())).append('\n');
    }
    if (s != null && s.getOccurrences() != null) {
      y.append("# seen:     ")
          .append(s.getOccurrences())
          .append(" time(s), last ")
          .append(oneLine(s.getLastSeen()))
          .append('\n');
    }
    ProposedAction a = s == null ? null : s.getProposal();
    if (a != null) {
      y.append("# proposal: ")
          .append(oneLine(a.getAction()))
          .append(' ')
          .append(oneLine(a.getTarget()))
          .append(" (confidence ")
          .append(a.getConfidence())
          .append(", requires human ")
          .append(a.getRequiresHuman())
          .append(", by ")
          .append(oneLine(a.getModel()))
          .append(")\n");
      y.append("# reason:   ").append(oneLine(a.getReason())).append('\n');
      if (a.getPolicyRules() != null && !a.getPolicyRules().isEmpty()) {
        y.append("# policy:   ").append(String.join(", ", a.getPolicyRules())).append('\n');
      }
    }
    if (phase == Phase.AwaitingApproval) {
      y.append("# To decide, uncomment the annotations (approved or rejected) and merge.\n");
    } else {
      y.append("# Not awaiting approval yet: an approval annotation is read once it is.\n");
    }
    y.append("apiVersion: ")
        .append(RemediationProposal.GROUP)
        .append('/')
        .append(RemediationProposal.VERSION)
        .append('\n');
    y.append("kind: RemediationProposal\n");
    y.append("metadata:\n");
    y.append("  name: ").append(p.getMetadata().getName()).append('\n');
    y.append("  namespace: ").append(p.getMetadata().getNamespace()).append('\n');
    y.append("  # annotations:\n");
    y.append("  #   ").append(Approvals.APPROVAL).append(": approved\n");
    y.append("  #   ").append(Approvals.APPROVED_BY).append(": your-name\n");
    return y.toString();
  }

  private static String oneLine(String s) {
    if (s == null) {
      return "-";
    }
    String t = s.replaceAll("[\\r\\n\\t\\p{Cntrl}]+", " ").trim();
    return t.length() > 300 ? t.substring(0, 300) + "..." : t;
  }
}
