package dev.homelab.remediation.cli;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.ConfigException;
import dev.homelab.remediation.config.Settings;
import dev.homelab.remediation.decision.Expiry;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.Command;

@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = {
      "List the proposals of the namespace, those awaiting approval first (the soonest to expire"
          + " at the top), then the others, newest first.",
      "EXPIRES is the expiry the operator recorded (status.expiresAt); for a proposal without one"
          + " (written by an older operator) APPROVAL_TTL from the environment (default 24h) is"
          + " counted from the answer."
    })
public final class ListCommand extends ClusterCommand {
  static final List<String> HEADER =
      List.of("NAME", "SERVICE", "ACTION", "CONFIDENCE", "PHASE", "AGE", "EXPIRES");

  public ListCommand() {
    this(kubeconfig());
  }

  ListCommand(Supplier<KubernetesClient> clients) {
    super(clients);
  }

  @Override
  int run(KubernetesClient client, String ns, PrintWriter out, PrintWriter err) {
    Duration ttl;
    try {
      ttl = Settings.APPROVAL_TTL.read(env);
    } catch (ConfigException e) {
      err.println(prefix() + e.getMessage());
      return 2;
    }
    List<RemediationProposal> items =
        new ArrayList<>(
            client.resources(RemediationProposal.class).inNamespace(ns).list().getItems());
    if (items.isEmpty()) {
      err.println("No proposals in namespace " + ns + ".");
      return 0;
    }
    Instant now = clock.instant();
    items.sort(order(ttl));
    List<List<String>> rows = new ArrayList<>();
    rows.add(HEADER);
    for (RemediationProposal p : items) {
      rows.add(row(p, ttl, now));
    }
    print(rows, out);
    return 0;
  }

  /** Awaiting approval first, soonest expiry first; then the rest, newest first. */
  static Comparator<RemediationProposal> order(Duration ttl) {
    Comparator<RemediationProposal> awaitingFirst =
        Comparator.comparing(p -> phase(p) != Phase.AwaitingApproval);
    return awaitingFirst
        .thenComparing(
            p -> phase(p) == Phase.AwaitingApproval ? expiresAt(p, ttl) : Optional.empty(),
            Comparator.comparing(
                (Optional<Instant> e) -> e.orElse(Instant.MAX), Comparator.naturalOrder()))
        .thenComparing(ListCommand::created, Comparator.reverseOrder())
        .thenComparing(p -> p.getMetadata().getName());
  }

  static List<String> row(RemediationProposal p, Duration ttl, Instant now) {
    ProposedAction a = p.getStatus() == null ? null : p.getStatus().getProposal();
    Phase phase = phase(p);
    String expires = "-";
    if (phase == Phase.AwaitingApproval) {
      expires =
          expiresAt(p, ttl)
              .map(e -> e.isAfter(now) ? "in " + human(Duration.between(now, e)) : "now")
              .orElse("-");
    }
    return List.of(
        p.getMetadata().getName(),
        p.getSpec() == null || p.getSpec().getSvcKey() == null ? "-" : p.getSpec().getSvcKey(),
        a == null || a.getAction() == null ? "-" : a.getAction(),
        a == null || a.getConfidence() == null ? "-" : a.getConfidence().toString(),
        phase == null ? "-" : phase.name(),
        human(Duration.between(created(p), now)),
        expires);
  }

  static void print(List<List<String>> rows, PrintWriter out) {
    int[] width = new int[rows.get(0).size()];
    for (List<String> r : rows) {
      for (int i = 0; i < r.size(); i++) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    for (List<String> r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.size(); i++) {
        line.append(r.get(i));
        if (i < r.size() - 1) {
          line.append(" ".repeat(width[i] - r.get(i).length() + 3));
        }
      }
      out.println(line);
    }
  }

  static Phase phase(RemediationProposal p) {
    return p.getStatus() == null ? null : p.getStatus().getPhase();
  }

  static Instant created(RemediationProposal p) {
    return instant(p.getMetadata().getCreationTimestamp()).orElse(Instant.EPOCH);
  }

  /** The answer time plus the TTL, as the operator expires a proposal awaiting approval. */
  /**
   * When {@code p} expires: as the operator wrote it ({@link Expiry}), else by {@code ttl} (this
   * shell's APPROVAL_TTL) from its answer or creation.
   */
  static Optional<Instant> expiresAt(RemediationProposal p, Duration ttl) {
    return Expiry.of(p.getStatus(), ttl)
        .or(() -> instant(p.getMetadata().getCreationTimestamp()).map(t -> t.plus(ttl)));
  }

  static Optional<Instant> instant(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(text));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
