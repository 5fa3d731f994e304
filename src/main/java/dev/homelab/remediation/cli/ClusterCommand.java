package dev.homelab.remediation.cli;

import dev.homelab.remediation.config.ConfigException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What the commands that read or decide proposals share: a client from the kubeconfig (as kubectl
 * uses it), the {@code -n} flag, and one way to say that the API server refused.
 */
abstract class ClusterCommand implements Callable<Integer> {
  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NAMESPACE",
      description =
          "Namespace of the proposals (default: WATCH_NAMESPACE, else the kubeconfig's, else"
              + " default).")
  String namespace;

  @Spec CommandSpec spec;

  /** The environment and the clock (fields, so tests can give their own). */
  Map<String, String> env = System.getenv();

  Clock clock = Clock.systemUTC();

  /** Log lines go to stderr, so stdout is only the result (tests keep the JVM's logging). */
  Runnable logging = SettingFlags::logToStderr;

  private final Supplier<KubernetesClient> clients;

  ClusterCommand(Supplier<KubernetesClient> clients) {
    this.clients = clients;
  }

  /** Clients built from the kubeconfig (KUBECONFIG, ~/.kube/config) or in-cluster. */
  static Supplier<KubernetesClient> kubeconfig() {
    return () -> new KubernetesClientBuilder().build();
  }

  /** The command's work in namespace {@code ns}; its exit code. */
  abstract int run(KubernetesClient client, String ns, PrintWriter out, PrintWriter err);

  @Override
  public final Integer call() {
    logging.run();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (KubernetesClient client = clients.get()) {
      String ns;
      try {
        ns = SettingFlags.namespace(namespace, env, client);
      } catch (ConfigException e) {
        err.println(prefix() + e.getMessage());
        return 2;
      }
      return run(client, ns, out, err);
    } catch (KubernetesClientException e) {
      err.println(prefix() + "the Kubernetes API " + describe(e));
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  String prefix() {
    return "remediation-operator " + spec.name() + ": ";
  }

  static String describe(KubernetesClientException e) {
    String detail =
        e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage()
            : e.getMessage();
    if (e.getCode() == 401 || e.getCode() == 403) {
      return "refused (" + e.getCode() + "): " + detail;
    }
    return e.getCode() > 0
        ? "answered " + e.getCode() + ": " + detail
        : "could not be reached: " + detail;
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
