package dev.homelab.remediation.cli;

import dev.homelab.remediation.config.ConfigException;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.config.Settings;
import dev.homelab.remediation.llm.ModelChains;
import dev.homelab.remediation.local.LocalMode;
import dev.homelab.remediation.local.LocalSettings;
import dev.homelab.remediation.local.LocalStartException;
import dev.homelab.remediation.ops.Heartbeat;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code remediation-operator local}: the whole product on one machine, with only a JDK. */
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    description = {
      "Run the operator (the same code as `run`) against an embedded Kubernetes API server and an "
          + "embedded Redis (REDIS_URL, when set, is used instead). Writes local-data/kubeconfig for "
          + "kubectl and the action files under local-data/, keeps the API server's objects in "
          + "local-data/objects/ across restarts, and serves /healthz, /readyz and /metrics on "
          + "127.0.0.1:26080 (HTTP_PORT). Ctrl-C stops everything.",
      "Local defaults: WATCH_NAMESPACE=default, NODE_NAME=<host name>, LLM_CHAIN=rules, "
          + "PENDING_ACTIONS_DIR=local-data/pending-actions, EVENTS_DIR=local-data/events; "
          + "environment variables and flags override them."
    })
public final class LocalCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(LocalCommand.class);

  @Option(
      names = "--api-port",
      paramLabel = "PORT",
      description =
          "Port of the embedded Kubernetes API on 127.0.0.1 (env LOCAL_API_PORT, default 26443).")
  Integer apiPort;

  @Option(
      names = "--redis-port",
      paramLabel = "PORT",
      description =
          "Port of the embedded Redis on 127.0.0.1 (env LOCAL_REDIS_PORT, default 26379).")
  Integer redisPort;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Directory for the kubeconfig and the action files (env LOCAL_DATA_DIR, default local-data).")
  Path dataDir;

  @Option(
      names = "--fresh",
      description =
          "Start with an empty API server: delete the stored objects (proposals, Events) in "
              + "local-data/objects/ first. The files in pending-actions/ and events/ stay.")
  boolean fresh;

  /** The environment; tests replace it. */
  Map<String, String> env = System.getenv();

  private CommandSpec spec;

  /**
   * Picocli calls this while it builds the command: the operator's setting flags are added here.
   */
  @Spec
  void spec(CommandSpec spec) {
    this.spec = spec;
    SettingFlags.addSettingFlags(spec);
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    LocalSettings settings;
    try {
      settings =
          LocalSettings.resolve(env, SettingFlags.flagOverrides(spec), apiPort, redisPort, dataDir);
      OperatorConfig cfg = settings.operator();
      SettingFlags.applyLogging(cfg.logFormat, cfg.logLevel);
      // A bad LLM_CHAIN or topology file stops start-up here, as in `run` (the operator builds
      // the chain itself, and says so once).
      ModelChains.check(cfg.llmChain, cfg.topologyFile);
      Optional<String> heartbeat =
          cfg.heartbeatFile.flatMap(f -> Heartbeat.problem(Settings.HEARTBEAT_FILE.env(), f));
      if (heartbeat.isPresent()) {
        err.println("remediation-operator local: " + heartbeat.get());
        err.flush();
        return 2;
      }
    } catch (ConfigException e) {
      err.println("remediation-operator local: " + e.getMessage());
      err.flush();
      return 2;
    } catch (IllegalArgumentException e) {
      err.println("remediation-operator local: invalid setting " + e.getMessage());
      err.flush();
      return 2;
    }
    LocalMode local;
    try {
      local = LocalMode.start(settings, fresh);
    } catch (LocalStartException e) {
      err.println("remediation-operator local: " + e.getMessage());
      err.flush();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("stopping local mode");
                  local.close();
                  stopped.countDown();
                },
                "local-shutdown"));
    if (!local.awaitReady(Duration.ofSeconds(60))) {
      err.println(
          "remediation-operator local: the operator is not ready after 60 s (is Redis at "
              + redact(local.redisUrl())
              + " reachable?); still trying");
      err.flush();
    }
    out.print(nextSteps(local));
    out.flush();
    stopped.await();
    return 0;
  }

  /** What runs where, and the commands of the walk-through, with this run's paths and ports. */
  static String nextSteps(LocalMode local) {
    LocalSettings s = local.settings();
    OperatorConfig cfg = s.operator();
    String self = selfCommand();
    String kubectl = "kubectl --kubeconfig " + shown(s.kubeconfig());
    String publish = self + " publish";
    if (!local.embeddedRedis()) {
      publish = "REDIS_URL=" + redact(local.redisUrl()) + " " + publish;
    } else if (s.redisPort() != LocalSettings.DEFAULT_REDIS_PORT) {
      publish = publish + " --redis-url " + local.redisUrl();
    }
    StringBuilder sb = new StringBuilder();
    sb.append('\n')
        .append("Local mode is running (Ctrl-C stops it).\n")
        .append("  Kubernetes API  ")
        .append(local.apiUrl())
        .append("  (namespace ")
        .append(cfg.watchNamespace)
        .append("; ")
        .append(
            local.restoredObjects() == 0
                ? "empty"
                : local.restoredObjects() + " objects restored from " + shown(s.objectsDir()))
        .append(")\n")
        .append("  health, metrics ")
        .append(
            local
                .opsUrl()
                .map(u -> u + "/healthz  " + u + "/readyz  " + u + "/metrics")
                .orElse("off (HTTP_PORT=0)"))
        .append('\n')
        .append(
            cfg.approvalLinkBaseUrl
                .map(
                    u ->
                        "  approval links  "
                            + u
                            + "  (port "
                            + cfg.approvalPort
                            + " on every interface, signed tokens only)\n")
                .orElse(""))
        .append("  kubeconfig      ")
        .append(shown(s.kubeconfig()))
        .append('\n')
        .append("  Redis           ")
        .append(redact(local.redisUrl()))
        .append(local.embeddedRedis() ? "  (embedded)\n" : "  (REDIS_URL)\n")
        .append("  channels        ")
        .append(cfg.healthChannel)
        .append(", ")
        .append(cfg.worldChannel)
        .append('\n')
        .append("  proposer        ")
        .append(cfg.llmChain)
        .append('\n')
        .append("  pending actions ")
        .append(shown(cfg.pendingActionsDir))
        .append('\n')
        .append("  events          ")
        .append(shown(cfg.eventsDir))
        .append('\n')
        .append('\n')
        .append("Next, in another terminal:\n")
        .append("  ")
        .append(publish)
        .append(" --sample zigbee    # a node agent's health event\n")
        .append("  ")
        .append(kubectl)
        .append(" get rp          # -w to watch\n")
        .append("  ")
        .append(kubectl)
        .append(" describe rp NAME\n")
        .append("  ")
        .append(kubectl)
        .append(" annotate rp NAME remediation.homelab.dev/approval=approved")
        .append(" remediation.homelab.dev/approved-by=$USER\n")
        .append("  KUBECONFIG=")
        .append(shown(s.kubeconfig()))
        .append(' ')
        .append(self)
        .append(" list    # then explain, approve or reject NAME\n")
        .append("  ls ")
        .append(shown(cfg.pendingActionsDir))
        .append(' ')
        .append(shown(cfg.eventsDir))
        .append('\n')
        .append("  ")
        .append(publish)
        .append(" --sample ollama    # a control-plane update, the other shape\n")
        .append('\n')
        .append("Proposals, their cooldown and approvals are kept in ")
        .append(shown(s.objectsDir()))
        .append(" across restarts; `local --fresh` starts with none. Delete ")
        .append(shown(s.dataDir()))
        .append(" to remove everything.\n");
    return sb.toString();
  }

  /** How this program was started: {@code java -jar <jar>} when it runs from a jar. */
  static String selfCommand() {
    try {
      Path p =
          Path.of(LocalCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (p.toString().endsWith(".jar")) {
        return "java -jar " + shown(p);
      }
    } catch (URISyntaxException | RuntimeException e) {
      // fall through
    }
    return "remediation-operator";
  }

  /** A path relative to the working directory when it is inside it, else absolute. */
  static String shown(Path p) {
    Path cwd = Path.of("").toAbsolutePath();
    Path abs = p.toAbsolutePath().normalize();
    return abs.startsWith(cwd) && !abs.equals(cwd)
        ? cwd.relativize(abs).toString()
        : abs.toString();
  }

  static String redact(String url) {
    return url.replaceAll("//[^@/]*@", "//***@");
  }
}
