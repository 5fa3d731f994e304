package dev.homelab.remediation.cli;

import dev.homelab.remediation.config.ConfigException;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.config.Settings;
import dev.homelab.remediation.dispatch.DirectoryCheck;
import dev.homelab.remediation.llm.ModelChains;
import dev.homelab.remediation.ops.Heartbeat;
import dev.homelab.remediation.runtime.Running;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.util.ApiErrors;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Run the operator against the cluster of the current kubeconfig, or in-cluster. "
            + "Every setting is read from its environment variable and can be overridden by its flag.")
public final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    OperatorConfig cfg;
    try {
      cfg = SettingFlags.loadConfig(spec);
      SettingFlags.applyLogging(cfg.logFormat, cfg.logLevel);
      // A bad topology file stops start-up here too, before anything connects.
      ModelChains.check(cfg.llmChain, cfg.topologyFile);
      for (Optional<String> problem :
          List.of(
              DirectoryCheck.unwritable(Settings.PENDING_ACTIONS_DIR.env(), cfg.pendingActionsDir),
              DirectoryCheck.unwritable(Settings.EVENTS_DIR.env(), cfg.eventsDir),
              cfg.heartbeatFile.flatMap(
                  f -> Heartbeat.problem(Settings.HEARTBEAT_FILE.env(), f)))) {
        if (problem.isPresent()) {
          System.err.println("remediation-operator: " + problem.get());
          return 2;
        }
      }
    } catch (ConfigException e) {
      System.err.println("remediation-operator: " + e.getMessage());
      return 2;
    } catch (IllegalArgumentException e) {
      System.err.println("remediation-operator: invalid setting " + e.getMessage());
      return 2;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Running running;
    try {
      running =
          Running.start(
              new Wiring(
                  cfg,
                  client,
                  registry,
                  Clock.systemUTC(),
                  true,
                  () -> {
                    // Like controller-runtime: exit at once, without the shutdown hook's drain
                    // and flush (the new leader owns the cluster now); Kubernetes restarts this
                    // pod as a standby.
                    Runtime.getRuntime().halt(1);
                  }));
    } catch (ConfigException e) {
      System.err.println("remediation-operator: " + e.getMessage());
      client.close();
      return 2;
    } catch (RuntimeException e) {
      // One line that says what to do (the server, the CRD, the Role); the trace as well when
      // the failure is not the API server's (unexpected: a bug to report).
      boolean api =
          ApiErrors.unreachable(e) || ApiErrors.answer(e).isPresent() || ApiErrors.goAway(e);
      (api ? LOG.atDebug() : LOG.atError()).setCause(e).log("start-up failed");
      String server = client.getMasterUrl().toString();
      System.err.println(
          "remediation-operator: cannot start: "
              + (ApiErrors.unreachable(e)
                  ? "the Kubernetes API "
                      + ApiErrors.describe(e, server)
                      + " (no kubeconfig? set KUBECONFIG, or run it in a pod)"
                  : ApiErrors.goAway(e)
                      ? "the Kubernetes API " + ApiErrors.describe(e, server)
                      : e.getMessage() != null ? e.getMessage() : ApiErrors.describe(e, server)));
      client.close();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("shutting down");
                  running.close();
                  client.close();
                  stopped.countDown();
                },
                "shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
