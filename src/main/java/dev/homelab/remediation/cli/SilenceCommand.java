package dev.homelab.remediation.cli;

import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import dev.homelab.remediation.api.v1alpha1.RemediationSilenceSpec;
import dev.homelab.remediation.api.v1alpha1.SilenceMatchers;
import dev.homelab.remediation.api.v1alpha1.SilenceState;
import dev.homelab.remediation.config.ConfigException;
import dev.homelab.remediation.config.Durations;
import dev.homelab.remediation.decision.SilenceLifecycle;
import dev.homelab.remediation.decision.Silences;
import dev.homelab.remediation.util.ApiErrors;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code silence add | list | expire}: RemediationSilences from the terminal. */
@Command(
    name = "silence",
    mixinStandardHelpOptions = true,
    description =
        "Silence new incidents that match node, service and event type for a while: they become"
            + " proposals in phase Silenced, with no model call and nothing written.")
public final class SilenceCommand {
  private static final DateTimeFormatter NAME_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  /** A node or service matcher: name characters and {@code *}. */
  private static final Pattern NAME_GLOB = Pattern.compile("[A-Za-z0-9*][-A-Za-z0-9_.*]{0,62}");

  /** An event type matcher: 1 to 128 printable characters, as the intake accepts. */
  private static final Pattern EVENT_GLOB = Pattern.compile("\\p{Graph}{1,128}");

  private static final String NAMESPACE_HELP =
      "Namespace of the silences (default: WATCH_NAMESPACE, else the kubeconfig's).";

  @Spec CommandSpec spec;

  /** How the commands reach the cluster, the environment and the time (tests give their own). */
  Supplier<KubernetesClient> clients = ClusterCommand.kubeconfig();

  @Mixin KubeconfigOptions kube = new KubeconfigOptions();

  /** The API server of the command's client, for its error messages. */
  private String server = "its URL";

  Map<String, String> env = System.getenv();
  Clock clock = Clock.systemUTC();

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description =
          "Create a silence from now for DURATION and print its name. Give at least one matcher"
              + " (--node '*' silences everything); * matches any run of characters.")
  int add(
      @Option(names = "--node", paramLabel = "NODE", description = "Node, exact or a * glob.")
          String node,
      @Option(
              names = "--service",
              paramLabel = "SERVICE",
              description =
                  "Service, exact or a * glob; node-level events match only when absent or *.")
          String service,
      @Option(
              names = "--event-type",
              paramLabel = "TYPE",
              description = "Event type, exact or a * glob, e.g. service_unhealthy.")
          String eventType,
      @Option(
              names = "--for",
              required = true,
              paramLabel = "DURATION",
              description = "How long it lasts from now: 90s, 30m, 2h, 7d or ISO-8601.")
          String duration,
      @Option(names = "--comment", paramLabel = "TEXT", description = "Why.") String comment,
      @Option(
              names = {"-n", "--namespace"},
              paramLabel = "NAMESPACE",
              description = NAMESPACE_HELP)
          String namespace) {
    Duration length;
    try {
      length = Durations.parse(duration);
    } catch (IllegalArgumentException e) {
      return usage("add", "--for: " + e.getMessage());
    }
    if (length.isZero() || length.isNegative()) {
      return usage("add", "--for: must be longer than 0, got '" + duration + "'");
    }
    if (node == null && service == null && eventType == null) {
      return usage(
          "add",
          "give at least one of --node, --service, --event-type (--node '*' silences everything)");
    }
    for (String[] m :
        new String[][] {{"--node", node}, {"--service", service}, {"--event-type", eventType}}) {
      Pattern p = m[0].equals("--event-type") ? EVENT_GLOB : NAME_GLOB;
      if (m[1] != null && !p.matcher(m[1]).matches()) {
        return usage("add", m[0] + ": not a name or * glob: '" + m[1] + "'");
      }
      if (m[1] != null && p == NAME_GLOB && m[1].contains("..")) {
        // The intake refuses such names, so the silence could never match.
        return usage("add", m[0] + ": names never contain '..': '" + m[1] + "'");
      }
    }
    try (KubernetesClient client = kube.client(clients)) {
      server = client.getMasterUrl().toString();
      String ns = namespace(namespace, client, "add");
      if (ns == null) {
        return 2;
      }
      Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
      RemediationSilenceSpec s = new RemediationSilenceSpec();
      s.setMatchers(new SilenceMatchers(node, service, eventType));
      s.setStartsAt(now.toString());
      s.setEndsAt(now.plus(length).toString());
      s.setCreatedBy(Identity.creator(client, env));
      s.setComment(comment);
      for (int attempt = 1; ; attempt++) {
        RemediationSilence r = new RemediationSilence();
        r.setMetadata(new ObjectMetaBuilder().withName(name(now)).withNamespace(ns).build());
        r.setSpec(s);
        try {
          client.resource(r).create();
          out().println(r.getMetadata().getName());
          return 0;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409 || attempt == 3) {
            return failed("add", e);
          }
        }
      }
    } catch (KubernetesClientException e) {
      return failed("add", e); // the namespace or the identity asked of the API server
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the silences: active and pending first, then expired.")
  int list(
      @Option(
              names = {"-n", "--namespace"},
              paramLabel = "NAMESPACE",
              description = NAMESPACE_HELP)
          String namespace) {
    try (KubernetesClient client = kube.client(clients)) {
      server = client.getMasterUrl().toString();
      String ns = namespace(namespace, client, "list");
      if (ns == null) {
        return 2;
      }
      List<RemediationSilence> items;
      try {
        items = client.resources(RemediationSilence.class).inNamespace(ns).list().getItems();
      } catch (KubernetesClientException e) {
        return failed("list", e);
      }
      if (items.isEmpty()) {
        err().println("No silences in namespace " + ns + ".");
        return 0;
      }
      Instant now = clock.instant();
      List<String[]> rows = new ArrayList<>();
      rows.add(
          new String[] {"NAME", "STATE", "NODE", "SERVICE", "EVENT", "ENDS", "CREATOR", "COMMENT"});
      items.stream()
          .sorted(
              Comparator.comparingInt((RemediationSilence r) -> rank(state(r, now)))
                  .thenComparing(r -> String.valueOf(r.getSpec().getEndsAt()))
                  .thenComparing(r -> r.getMetadata().getName()))
          .forEach(r -> rows.add(row(r, now)));
      print(rows);
      return 0;
    }
  }

  @Command(
      name = "expire",
      mixinStandardHelpOptions = true,
      description = "End a silence now (sets its endsAt to the current time).")
  int expire(
      @Parameters(
              index = "0",
              paramLabel = "NAME",
              description = "The silence: NAME, or as kubectl takes it, rsil/NAME.")
          String arg,
      @Option(
              names = {"-n", "--namespace"},
              paramLabel = "NAMESPACE",
              description = NAMESPACE_HELP)
          String namespace) {
    String name;
    try {
      name = ObjectNames.parse(arg, RemediationSilence.class);
    } catch (IllegalArgumentException e) {
      return usage("expire", e.getMessage());
    }
    try (KubernetesClient client = kube.client(clients)) {
      server = client.getMasterUrl().toString();
      String ns = namespace(namespace, client, "expire");
      if (ns == null) {
        return 2;
      }
      try {
        var resource = client.resources(RemediationSilence.class).inNamespace(ns).withName(name);
        RemediationSilence s = resource.get();
        if (s == null) {
          err().println("remediation-operator silence expire: no silence " + name + " in " + ns);
          return 1;
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        if (state(s, clock.instant()) == SilenceState.Expired) {
          err()
              .println(
                  "remediation-operator silence expire: "
                      + name
                      + " already ended at "
                      + s.getSpec().getEndsAt());
          return 1;
        }
        // A pending one never starts: its window closes where it opens (an endsAt before its
        // startsAt would be Invalid).
        boolean pending =
            Silences.instant(s.getSpec().getStartsAt()).map(now::isBefore).orElse(false);
        resource.patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{"
                + (pending ? "\"startsAt\":\"" + now + "\"," : "")
                + "\"endsAt\":\""
                + now
                + "\"}}");
        out().println(name + " expired (endsAt " + now + ")");
        return 0;
      } catch (KubernetesClientException e) {
        return failed("expire", e);
      }
    }
  }

  /** {@code sil-<yyyyMMdd-HHmmss>-<4 hex>}, UTC. */
  static String name(Instant now) {
    return "sil-"
        + NAME_TIME.format(now)
        + "-"
        + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
  }

  private static SilenceState state(RemediationSilence r, Instant now) {
    return SilenceLifecycle.state(r, now);
  }

  private static int rank(SilenceState s) {
    return switch (s) {
      case Active -> 0;
      case Pending -> 1;
      case Expired -> 2;
      case Invalid -> 3;
    };
  }

  private static String[] row(RemediationSilence r, Instant now) {
    RemediationSilenceSpec s = r.getSpec();
    SilenceMatchers m = s.getMatchers() == null ? new SilenceMatchers() : s.getMatchers();
    String ends =
        Silences.instant(s.getEndsAt())
            .map(t -> s.getEndsAt() + " (" + relative(Duration.between(now, t)) + ")")
            .orElse(String.valueOf(s.getEndsAt()));
    return new String[] {
      r.getMetadata().getName(),
      state(r, now).name(),
      orAny(m.getNode()),
      orAny(m.getService()),
      orAny(m.getEventType()),
      ends,
      s.getCreatedBy() == null ? "" : s.getCreatedBy(),
      s.getComment() == null ? "" : s.getComment()
    };
  }

  private static String orAny(String matcher) {
    return matcher == null || matcher.isEmpty() ? "*" : matcher;
  }

  /** "in 1h59m" or "3m ago": the two largest units. */
  static String relative(Duration d) {
    boolean past = d.isNegative();
    long s = Math.abs(d.getSeconds());
    String text;
    if (s >= 86_400) {
      text = s / 86_400 + "d" + (s % 86_400 / 3600 == 0 ? "" : s % 86_400 / 3600 + "h");
    } else if (s >= 3600) {
      text = s / 3600 + "h" + (s % 3600 / 60 == 0 ? "" : s % 3600 / 60 + "m");
    } else if (s >= 60) {
      text = s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
    } else {
      text = s + "s";
    }
    return past ? text + " ago" : "in " + text;
  }

  private void print(List<String[]> rows) {
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
      }
      out().println(line.toString().stripTrailing());
    }
  }

  private String namespace(String flag, KubernetesClient client, String command) {
    try {
      return SettingFlags.namespace(flag, env, client);
    } catch (ConfigException e) {
      err().println("remediation-operator silence " + command + ": " + e.getMessage());
      return null;
    }
  }

  private int usage(String command, String message) {
    err().println("remediation-operator silence " + command + ": " + message);
    return 2;
  }

  private int failed(String command, KubernetesClientException e) {
    String why;
    if (ApiErrors.unreachable(e)) {
      why = "the Kubernetes API " + ApiErrors.describe(e, server);
    } else {
      why = e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage();
      boolean noNamespace =
          e.getStatus() != null
              && e.getStatus().getDetails() != null
              && "namespaces".equals(e.getStatus().getDetails().getKind());
      if (e.getCode() == 404 && !noNamespace) {
        why += " (is the RemediationSilence CRD installed?)";
      }
    }
    err().println("remediation-operator silence " + command + ": " + why);
    return 1;
  }

  private PrintWriter out() {
    return spec.commandLine().getOut();
  }

  private PrintWriter err() {
    return spec.commandLine().getErr();
  }
}
