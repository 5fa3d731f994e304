package dev.homelab.remediation.cli;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.config.ConfigException;
import dev.homelab.remediation.util.ApiErrors;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What the commands that read or decide proposals share: a client from the kubeconfig (as kubectl
 * uses it, {@code --kubeconfig} and {@code --context} too), the {@code -n} flag, and one way to say
 * that the API server refused.
 */
abstract class ClusterCommand implements Callable<Integer> {
  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NAMESPACE",
      description =
          "Namespace of the proposals (default: WATCH_NAMESPACE, else the kubeconfig's, else"
              + " default).")
  String namespace;

  @Mixin KubeconfigOptions kube = new KubeconfigOptions();

  @Spec CommandSpec spec;

  /** Where local mode writes its kubeconfig when started in this directory. */
  static final Path LOCAL_KUBECONFIG = Path.of("local-data", "kubeconfig");

  /** The environment and the clock (fields, so tests can give their own). */
  Map<String, String> env = System.getenv();

  Clock clock = Clock.systemUTC();

  /** Local mode's kubeconfig, if it was started in this directory (a field for tests). */
  Path localKubeconfig = LOCAL_KUBECONFIG;

  /** Log lines go to stderr, so stdout is only the result (tests keep the JVM's logging). */
  Runnable logging = SettingFlags::logToStderr;

  private final Supplier<KubernetesClient> clients;

  ClusterCommand(Supplier<KubernetesClient> clients) {
    this.clients = clients;
  }

  /** Clients built from the kubeconfig (KUBECONFIG, ~/.kube/config) or in-cluster. */
  static Supplier<KubernetesClient> kubeconfig() {
    // One attempt, as kubectl makes: a server that is not there is said at once, not in 20 s.
    return () ->
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(Config.autoConfigure(null))
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build();
  }

  /**
   * What is wrong with the arguments, checked before any client is made (exit 2); empty when they
   * are usable. Commands may normalise them here.
   */
  Optional<String> usageError() {
    return Optional.empty();
  }

  /** Checks and normalises a proposal NAME argument ({@link ObjectNames}). */
  static Optional<String> proposalName(String arg, Consumer<String> name) {
    try {
      name.accept(ObjectNames.parse(arg, RemediationProposal.class));
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    }
  }

  /** The command's work in namespace {@code ns}; its exit code. */
  abstract int run(KubernetesClient client, String ns, PrintWriter out, PrintWriter err);

  @Override
  public final Integer call() {
    logging.run();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Optional<String> usage = usageError();
    if (usage.isPresent()) {
      err.println(prefix() + usage.get());
      err.flush();
      return 2;
    }
    String server = "its URL";
    try (KubernetesClient client = kube.client(clients)) {
      server = client.getMasterUrl().toString();
      String ns;
      try {
        ns = SettingFlags.namespace(namespace, env, client);
      } catch (ConfigException e) {
        err.println(prefix() + e.getMessage());
        return 2;
      }
      return run(client, ns, out, err);
    } catch (KubeconfigOptions.Unusable e) {
      err.println(prefix() + e.getMessage());
      return 2;
    } catch (KubernetesClientException e) {
      err.println(prefix() + "the Kubernetes API " + ApiErrors.describe(e, server) + hint(e));
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  String prefix() {
    return "remediation-operator " + spec.name() + ": ";
  }

  /**
   * What to try when the server was not reached: the kubeconfig, and local mode's own when it is in
   * this directory (local mode writes one; kubectl and these commands read ~/.kube/config).
   */
  String hint(KubernetesClientException e) {
    if (!ApiErrors.unreachable(e)) {
      return "";
    }
    if (kube.file != null) {
      return " (is " + kube.file + " the cluster's kubeconfig?)";
    }
    if (env.get("KUBECONFIG") == null && Files.isRegularFile(localKubeconfig)) {
      return " (for the local mode of this directory: KUBECONFIG=" + localKubeconfig + ")";
    }
    return " (is KUBECONFIG or ~/.kube/config the cluster's?)";
  }

  /** A duration as kubectl shows an age: 45s, 12m, 5h, 3d. */
  static String human(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 120) {
      return s + "s";
    }
    if (s < 3 * 3600) {
      return s / 60 + "m";
    }
    if (s < 48 * 3600) {
      return s / 3600 + "h";
    }
    return s / 86_400 + "d";
  }
}
