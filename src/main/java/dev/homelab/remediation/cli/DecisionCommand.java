package dev.homelab.remediation.cli;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.decision.SafetyPolicy;
import dev.homelab.remediation.links.ApprovalAnnotations;
import dev.homelab.remediation.links.Verdict;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code approve} and {@code reject}: the annotations a person sets with kubectl, on a proposal
 * that awaits approval; anything else exits 1 and changes nothing.
 */
abstract class DecisionCommand extends ClusterCommand {
  @Parameters(
      index = "0",
      paramLabel = "NAME",
      description = "The proposal: NAME, or as kubectl takes it, rp/NAME.")
  String name;

  @Option(
      names = "--by",
      paramLabel = "WHO",
      description =
          "Recorded as approved-by (default: your user, from a SelfSubjectReview, else the"
              + " kubeconfig's current context).")
  String by;

  private final Verdict verdict;

  DecisionCommand(Verdict verdict, Supplier<KubernetesClient> clients) {
    super(clients);
    this.verdict = verdict;
  }

  @Override
  Optional<String> usageError() {
    return proposalName(name, n -> name = n);
  }

  @Override
  int run(KubernetesClient client, String ns, PrintWriter out, PrintWriter err) {
    String who = by != null && !by.isBlank() ? by.trim() : Identity.of(client).orElse(null);
    ApprovalAnnotations.Result r =
        new ApprovalAnnotations(client, clock).decide(ns, name, null, verdict, who);
    String where = "proposal " + name + " in namespace " + ns;
    switch (r.outcome()) {
      case DECIDED -> {
        out.println(
            verdict.annotation()
                + " "
                + ns
                + "/"
                + name
                + " ("
                + what(r.proposal())
                + ")"
                + (who == null ? "" : " as " + who)
                + (verdict != Verdict.APPROVE
                    ? "; nothing will be done for it"
                    : SafetyPolicy.isIgnore(r.proposal().getStatus().getProposal())
                        ? "; it is to do nothing: it closes with nothing written"
                        : "; the operator dispatches it shortly"));
        return 0;
      }
      case NOT_FOUND, RECREATED -> err.println(prefix() + "no " + where);
      case NOT_AWAITING ->
          err.println(
              prefix()
                  + where
                  + " is "
                  + (r.phase() == null ? "not answered yet" : r.phase())
                  + ", not AwaitingApproval; nothing changed");
      case EXPIRED ->
          err.println(
              prefix()
                  + where
                  + " expired at "
                  + r.expiresAt().map(this::when).orElse("?")
                  + " (status.expiresAt) with no decision; it is still AwaitingApproval only"
                  + " because the operator has not looked at it since (is it running?), and it"
                  + " will mark it Expired and ignore any decision; nothing changed");
      case EXPIRING ->
          err.println(
              prefix()
                  + where
                  + " expires at "
                  + r.expiresAt().map(t -> t.truncatedTo(ChronoUnit.SECONDS).toString()).orElse("?")
                  + ", in under "
                  + ApprovalAnnotations.DECISION_MARGIN.toSeconds()
                  + " s: too late for a decision to reach the operator before it; nothing"
                  + " changed");
      case ALREADY_DECIDED ->
          err.println(
              prefix()
                  + where
                  + " already has approval="
                  + r.existingApproval()
                  + " (remove it with kubectl annotate rp -n "
                  + ns
                  + " "
                  + name
                  + " remediation.homelab.dev/approval- to decide again); nothing changed");
      case STALE_NOT_CLEARED ->
          err.println(
              prefix()
                  + where
                  + ": the operator has not yet seen the early approval="
                  + r.recordedStaleApproval()
                  + " annotation removed (status.staleApproval); nothing changed, try again in a"
                  + " few seconds");
      case CHANGED_MEANWHILE ->
          err.println(prefix() + where + " kept changing; nothing changed, try again");
    }
    return 1;
  }

  /** A past time to the second, and how long ago: "2026-05-28T17:11:41Z, 5m ago". */
  private String when(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS)
        + ", "
        + human(Duration.between(t, clock.instant()))
        + " ago";
  }

  private static String what(RemediationProposal p) {
    var a = p.getStatus() == null ? null : p.getStatus().getProposal();
    String action = a == null ? "?" : Optional.ofNullable(a.getAction()).orElse("?");
    return action + " " + (p.getSpec() == null ? "" : p.getSpec().getSvcKey());
  }
}
