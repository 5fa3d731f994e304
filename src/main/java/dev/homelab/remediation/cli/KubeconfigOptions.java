package dev.homelab.remediation.cli;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * kubectl's {@code --kubeconfig} and {@code --context}, for the commands that talk to the cluster
 * (a kubectl plugin is handed its flags after the plugin's name: kubectl takes none before it).
 */
public final class KubeconfigOptions {
  /** The kubeconfig cannot be used as given: one line for the user, exit 2. */
  public static final class Unusable extends RuntimeException {
    Unusable(String message) {
      super(message);
    }
  }

  @Option(
      names = "--kubeconfig",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description = "The kubeconfig file (default: KUBECONFIG, else ~/.kube/config), as kubectl's.")
  Path file;

  @Option(
      names = "--context",
      scope = ScopeType.INHERIT,
      paramLabel = "CONTEXT",
      description = "The kubeconfig context (default: its current-context), as kubectl's.")
  String context;

  /**
   * The client these flags name; {@code otherwise}'s when none is given.
   *
   * @throws Unusable when the file or the context is not there, or the file is no kubeconfig
   */
  KubernetesClient client(Supplier<KubernetesClient> otherwise) {
    if (file == null && context == null) {
      try {
        return otherwise.get();
      } catch (KubernetesClientException e) {
        throw e; // as the commands tell it (an exec credential plugin that fails, say)
      } catch (RuntimeException e) { // KUBECONFIG or ~/.kube/config is no kubeconfig
        throw new Unusable("cannot read the kubeconfig: " + firstLine(e.getMessage()));
      }
    }
    if (file != null && !Files.isRegularFile(file)) {
      throw new Unusable("--kubeconfig " + file + ": no such file");
    }
    Config config;
    try {
      config =
          file != null
              ? Config.fromKubeconfig(context, file.toFile())
              : Config.autoConfigure(context);
    } catch (RuntimeException e) {
      throw new Unusable("cannot read the kubeconfig: " + firstLine(e.getMessage()));
    }
    if (context != null
        && config.getContexts().stream().map(NamedContext::getName).noneMatch(context::equals)) {
      throw new Unusable("context \"" + context + "\" is not in the kubeconfig");
    }
    // One attempt, as kubectl makes (ClusterCommand#kubeconfig).
    return new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(config).withRequestRetryBackoffLimit(0).build())
        .build();
  }

  static String firstLine(String s) {
    if (s == null) {
      return "(no message)";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
