package dev.homelab.remediation.cli;

import dev.homelab.remediation.api.v1alpha1.ApprovalRecord;
import dev.homelab.remediation.api.v1alpha1.DispatchRecord;
import dev.homelab.remediation.api.v1alpha1.OutcomeRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.config.ConfigException;
import dev.homelab.remediation.config.Durations;
import dev.homelab.remediation.config.Settings;
import dev.homelab.remediation.decision.Approvals;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    description =
        "Show why a proposal is what it is: the event, the model and its reason, the policy rules"
            + " that changed the answer, the occurrences, the decision, and the timeline of its"
            + " Kubernetes Events.")
public final class ExplainCommand extends ClusterCommand {
  @Parameters(
      index = "0",
      paramLabel = "NAME",
      description = "The proposal: NAME, or as kubectl takes it, rp/NAME.")
  String name;

  public ExplainCommand() {
    this(kubeconfig());
  }

  ExplainCommand(Supplier<KubernetesClient> clients) {
    super(clients);
  }

  @Override
  Optional<String> usageError() {
    return proposalName(name, n -> name = n);
  }

  @Override
  int run(KubernetesClient client, String ns, PrintWriter out, PrintWriter err) {
    RemediationProposal p =
        client.resources(RemediationProposal.class).inNamespace(ns).withName(name).get();
    if (p == null) {
      err.println(prefix() + "no proposal " + name + " in namespace " + ns);
      return 1;
    }
    RemediationProposalSpec spec = p.getSpec();
    RemediationProposalStatus s =
        p.getStatus() == null ? new RemediationProposalStatus() : p.getStatus();
    ProposedAction a = s.getProposal();
    line(out, "Name", ns + "/" + name);
    line(
        out,
        "Phase",
        join(s.getPhase() == null ? "(none yet)" : s.getPhase().name(), s.getMessage()));
    if (spec != null) {
      line(
          out,
          "Event",
          spec.getEventType()
              + " on "
              + spec.getSvcKey()
              + ", severity "
              + spec.getSeverity()
              + ", observed "
              + seconds(spec.getObservedAt()));
      line(out, "Message", spec.getMessage());
    }
    if (s.getOccurrences() != null) {
      line(
          out,
          "Occurrences",
          s.getOccurrences()
              + (s.getFirstSeen() == null
                  ? ""
                  : " (first seen "
                      + seconds(s.getFirstSeen())
                      + ", last seen "
                      + seconds(s.getLastSeen())
                      + ")"));
    }
    if (a == null) {
      boolean unanswered = s.getApproval() != null && "ttl".equals(s.getApproval().getBy());
      line(
          out,
          "Proposal",
          unanswered
              ? "none: every model failed until it expired (its ChainFailed Events say why)"
              : pastAsking(s.getPhase()) ? "none: no model was asked" : "no answer yet");
      if (s.getPhase() == Phase.Failed) {
        line(out, "Attempts", s.getAttempts() == null ? null : s.getAttempts().toString());
        line(out, "Next attempt", s.getNextAttemptAt());
      }
      line(out, "Silenced by", s.getSilencedBy());
    } else {
      line(
          out,
          "Action",
          a.getAction()
              + (a.getExecutorType() == null ? "" : " (" + a.getExecutorType() + ")")
              + (a.getTarget() == null ? "" : " on " + a.getTarget())
              + (Boolean.TRUE.equals(a.getRequiresHuman())
                  ? ", requires a human"
                  : ", no human needed"));
      line(out, "Confidence", a.getConfidence() == null ? null : a.getConfidence().toString());
      line(
          out,
          "Model",
          a.getModel()
              + (a.getAnsweredAt() == null ? "" : ", answered " + seconds(a.getAnsweredAt())));
      if (a.getFailedModels() != null && !a.getFailedModels().isEmpty()) {
        line(out, "Failed models", String.join("; ", a.getFailedModels()));
      }
      line(out, "Reason", a.getReason());
      line(
          out,
          "Policy rules",
          a.getPolicyRules() == null || a.getPolicyRules().isEmpty()
              ? "none changed the answer"
              : String.join(", ", a.getPolicyRules()));
    }
    if (s.getPhase() == Phase.AwaitingApproval) {
      try {
        Duration ttl = Settings.APPROVAL_TTL.read(env);
        ListCommand.expiresAt(p, ttl)
            .ifPresent(
                e ->
                    line(
                        out,
                        "Expires",
                        seconds(e.toString())
                            + (s.getExpiresAt() != null
                                ? ""
                                : " (APPROVAL_TTL "
                                    + Durations.format(ttl)
                                    + " after the answer)")));
      } catch (ConfigException e) {
        line(out, "Expires", "unknown: " + e.getMessage());
      }
    }
    ApprovalRecord approval = s.getApproval();
    if (approval != null) {
      line(
          out,
          "Decision",
          approval.getDecision() + " by " + approval.getBy() + " at " + seconds(approval.getAt()));
    }
    Map<String, String> annotations = p.getMetadata().getAnnotations();
    if (annotations != null && annotations.containsKey(Approvals.APPROVAL)) {
      line(
          out,
          "Annotations",
          "approval="
              + annotations.get(Approvals.APPROVAL)
              + (annotations.containsKey(Approvals.APPROVED_BY)
                  ? ", approved-by=" + annotations.get(Approvals.APPROVED_BY)
                  : ""));
    }
    DispatchRecord d = s.getDispatch();
    if (d != null) {
      line(out, "Pending action", d.getPendingActionPath() + " at " + seconds(d.getAt()));
      line(out, "Event file", d.getEventPath());
    }
    OutcomeRecord outcome = s.getOutcome();
    if (outcome != null) {
      line(
          out,
          "Outcome",
          join(outcome.getResult() + " at " + seconds(outcome.getAt()), outcome.getDetail()));
    }
    out.println("Timeline:");
    List<Event> events = events(client, p);
    if (events.isEmpty()) {
      out.println("  (no Events; the API server keeps them about an hour)");
    }
    for (Event e : events) {
      int count = e.getCount() == null ? 1 : e.getCount();
      out.println(
          "  "
              + first(e)
              + "  "
              + pad(Objects.toString(e.getType(), ""), 8)
              + pad(Objects.toString(e.getReason(), ""), 18)
              + Objects.toString(e.getMessage(), "")
              + (count > 1 ? " (x" + count + ", last " + e.getLastTimestamp() + ")" : ""));
    }
    return 0;
  }

  /**
   * The proposal's Events, oldest first: one list of the namespace's Events (they live about an
   * hour), kept when their involvedObject is this proposal, this very uid, so the Events of an
   * earlier proposal of the same name are not shown. (No field selector on involvedObject: the
   * Fabric8 mock server cannot answer one, and a homelab namespace holds few Events.)
   */
  static List<Event> events(KubernetesClient client, RemediationProposal p) {
    String uid = p.getMetadata().getUid();
    return client
        .v1()
        .events()
        .inNamespace(p.getMetadata().getNamespace())
        .list()
        .getItems()
        .stream()
        .filter(e -> e.getInvolvedObject() != null)
        .filter(e -> p.getMetadata().getName().equals(e.getInvolvedObject().getName()))
        .filter(e -> uid == null || uid.equals(e.getInvolvedObject().getUid()))
        .sorted(Comparator.comparing(ExplainCommand::first))
        .toList();
  }

  private static String first(Event e) {
    if (e.getFirstTimestamp() != null) {
      return e.getFirstTimestamp();
    }
    if (e.getEventTime() != null && e.getEventTime().getTime() != null) {
      return e.getEventTime().getTime();
    }
    return Objects.toString(e.getMetadata().getCreationTimestamp(), "");
  }

  /** A time as the status holds it (to the microsecond), shown to the second; else as it is. */
  static String seconds(String t) {
    if (t == null) {
      return null;
    }
    try {
      return Instant.parse(t).truncatedTo(ChronoUnit.SECONDS).toString();
    } catch (DateTimeParseException e) {
      return t;
    }
  }

  private static void line(PrintWriter out, String label, String value) {
    if (value != null && !value.isBlank()) {
      out.println(pad(label + ":", 16) + value);
    }
  }

  /** A phase in which no answer will come any more (final, or decided without one). */
  private static boolean pastAsking(Phase phase) {
    return phase != null
        && phase != Phase.Pending
        && phase != Phase.Proposing
        && phase != Phase.Failed;
  }

  private static String join(String a, String b) {
    return b == null || b.isBlank() ? a : a + ": " + b;
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
  }
}
