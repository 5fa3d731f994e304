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
 * The manifest carries only the name, the namespace and the approval annotation (commented out).
 * Uncommenting it and merging decides the proposal, whatever tool applies it, but only while the
 * proposal is in AwaitingApproval and within APPROVAL_TTL: the comments say what the annotation
 * does in the proposal's phase at export time (see {@code ProposalReconciler}). Everything a
 * reviewer needs (event, proposal, policy) is in comments, so re-applying the file after the
 * proposal is gone can never recreate it with a spec.
 */
public final class ProposalExporter {
  /** Flux's and Argo CD's annotations that keep an object when its file leaves Git. */
  static final String PRUNE_FLUX = "kustomize.toolkit.fluxcd.io/prune";

  static final String PRUNE_ARGO = "argocd.argoproj.io/sync-options";

  private ProposalExporter() {}

  /** Writes the files and returns their paths, one per proposal that is still open. */
  public static List<Path> export(List<RemediationProposal> proposals, Path dir)
      throws IOException {
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    for (RemediationProposal p : open(proposals)) {
      Path file = dir.resolve(fileName(p));
      AtomicFiles.write(file, manifest(p).getBytes(StandardCharsets.UTF_8));
      written.add(file);
    }
    return written;
  }

  private static List<RemediationProposal> open(List<RemediationProposal> proposals) {
    return proposals.stream()
        .filter(p -> p.getSpec() != null)
        .filter(
            p ->
                p.getStatus() == null
                    || p.getStatus().getPhase() == null
                    || p.getStatus().getPhase().isOpen())
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .toList();
  }

  private static String fileName(RemediationProposal p) {
    return p.getMetadata().getNamespace() + "-" + p.getMetadata().getName() + ".yaml";
  }

  /**
   * Removes the files an earlier export wrote into {@code dir} for proposals of {@code namespace}
   * that are no longer open (decided, expired, or deleted), so the next pull request takes their
   * approvals out of Git, as the install guide says to once a proposal is decided. A file counts as
   * the export's only by its name ({@code <namespace>-<name>.yaml}) and its first line, the header
   * {@link #manifest} writes; anything else in the directory is left alone.
   *
   * @param proposals every proposal of the namespace, as listed
   * @return the files removed
   */
  public static List<Path> prune(List<RemediationProposal> proposals, String namespace, Path dir)
      throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    java.util.Set<String> open = new java.util.HashSet<>();
    open(proposals).forEach(p -> open.add(fileName(p)));
    List<Path> removed = new ArrayList<>();
    List<Path> candidates;
    try (var files = Files.list(dir)) {
      candidates =
          files
              .filter(f -> f.getFileName().toString().startsWith(namespace + "-"))
              .filter(f -> f.getFileName().toString().endsWith(".yaml"))
              .filter(f -> !open.contains(f.getFileName().toString()))
              .filter(Files::isRegularFile)
              .sorted()
              .toList();
    }
    for (Path f : candidates) {
      String file = f.getFileName().toString();
      String name = file.substring(namespace.length() + 1, file.length() - ".yaml".length());
      if (writtenByExport(f, namespace, name)) {
        Files.delete(f);
        removed.add(f);
      }
    }
    return removed;
  }

  private static boolean writtenByExport(Path f, String namespace, String name) throws IOException {
    try (var lines = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      String first = lines.readLine();
      return first != null
          && first.startsWith("# RemediationProposal " + namespace + "/" + name + " (");
    } catch (java.nio.charset.MalformedInputException e) {
      return false; // not a file this writes
    }
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
    approvalNotes(y, p, phase, s);
    y.append("apiVersion: ")
        .append(RemediationProposal.GROUP)
        .append('/')
        .append(RemediationProposal.VERSION)
        .append('\n');
    y.append("kind: RemediationProposal\n");
    y.append("metadata:\n");
    y.append("  name: ").append(p.getMetadata().getName()).append('\n');
    y.append("  namespace: ").append(p.getMetadata().getNamespace()).append('\n');
    y.append("  annotations:\n");
    y.append("    # Removing this file from Git must not delete the proposal (the operator\n");
    y.append("    # derives budgets and outcomes from it): Flux and Argo CD do not prune it.\n");
    y.append("    ").append(PRUNE_FLUX).append(": disabled\n");
    y.append("    ").append(PRUNE_ARGO).append(": Prune=false\n");
    y.append("    # ").append(Approvals.APPROVAL).append(": approved\n");
    y.append("    # ").append(Approvals.APPROVED_BY).append(": your-name\n");
    return y.toString();
  }

  /**
   * What merging the approval annotation does in this phase, as the reconciler behaves: only a
   * proposal in AwaitingApproval is decided, an annotation that was there before it got there is
   * ignored until removed and set again, and nothing decides an expired proposal.
   */
  private static void approvalNotes(
      StringBuilder y, RemediationProposal p, Phase phase, RemediationProposalStatus s) {
    switch (phase) {
      case AwaitingApproval -> {
        String stale = s == null ? null : s.getStaleApproval();
        if (stale != null && !stale.isEmpty()) {
          y.append("# The annotation ")
              .append(Approvals.APPROVAL)
              .append('=')
              .append(oneLine(stale))
              .append(" was already set when this\n");
          y.append("# proposal reached AwaitingApproval: it is recorded as status.staleApproval\n");
          y.append("# and ignored (a warning Event). To decide, remove it first, by reverting\n");
          y.append("# the change that set it or with:\n");
          y.append("#   kubectl annotate rp -n ")
              .append(p.getMetadata().getNamespace())
              .append(' ')
              .append(p.getMetadata().getName())
              .append(' ')
              .append(Approvals.APPROVAL)
              .append("-\n");
          y.append("# Then set it again: uncomment the annotations (approved or rejected, and\n");
          y.append("# your own name in place of your-name: it is recorded as who decided) and\n");
          y.append("# merge.\n");
        } else {
          y.append("# To decide, uncomment the annotations (approved or rejected, and your own\n");
          y.append("# name in place of your-name: it is recorded as who decided) and merge.\n");
        }
        String answeredAt =
            s == null || s.getProposal() == null ? null : s.getProposal().getAnsweredAt();
        String expiresAt = s == null ? null : s.getExpiresAt();
        if (expiresAt != null) {
          // The operator's own deadline, whatever APPROVAL_TTL it was given.
          y.append("# Merge before ").append(oneLine(expiresAt));
        } else {
          y.append("# Merge within APPROVAL_TTL (default 24h) of the answer");
          if (answeredAt != null) {
            y.append(" (").append(oneLine(answeredAt)).append(')');
          }
        }
        y.append(
            ":\n# after that the proposal expires, and an annotation arriving later changes\n");
        y.append("# nothing.\n");
      }
      case Pending, Proposing, Failed -> {
        y.append("# Not awaiting approval (phase ")
            .append(phase)
            .append("): an approval annotation merged now\n");
        y.append("# changes nothing; the operator records a warning Event. If it is still set\n");
        y.append("# when the proposal reaches AwaitingApproval, it is recorded as\n");
        y.append("# status.staleApproval and ignored until it is removed and set again. Export\n");
        y.append("# again once the proposal awaits approval, then uncomment and merge.\n");
      }
      default -> {
        String by = s == null || s.getApproval() == null ? null : s.getApproval().getBy();
        y.append("# Phase ").append(phase);
        if (phase == Phase.Approved && by != null) {
          y.append(" (by ").append(oneLine(by)).append(')');
        }
        y.append(": nothing is left to decide. An approval annotation\n");
        if (by != null && by.startsWith("annotation")) {
          // The reconciler does not warn about the annotation that made the decision.
          y.append("# merged now changes nothing.\n");
        } else {
          y.append("# merged now changes nothing; the operator records a warning Event.\n");
        }
      }
    }
  }

  private static String oneLine(String s) {
    if (s == null) {
      return "-";
    }
    String t = s.replaceAll("[\\r\\n\\t\\p{Cntrl}]+", " ").trim();
    return t.length() > 300 ? t.substring(0, 300) + "..." : t;
  }
}
