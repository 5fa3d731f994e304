package dev.homelab.remediation;

import dev.homelab.remediation.config.ApprovalMode;
import dev.homelab.remediation.config.ConfigException;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.config.Setting;
import dev.homelab.remediation.config.Settings;
import dev.homelab.remediation.controller.KubernetesEventRecorder;
import dev.homelab.remediation.controller.KubernetesStatusPatcher;
import dev.homelab.remediation.controller.ProposalReconciler;
import dev.homelab.remediation.decision.PhaseMachine;
import dev.homelab.remediation.decision.PolicyConfig;
import dev.homelab.remediation.decision.ProposalSettings;
import dev.homelab.remediation.dispatch.FileDispatcher;
import dev.homelab.remediation.ingest.EventParser;
import dev.homelab.remediation.ingest.IncidentBook;
import dev.homelab.remediation.ingest.IntakeMetrics;
import dev.homelab.remediation.ingest.IntakePipeline;
import dev.homelab.remediation.ingest.KubernetesProposalStore;
import dev.homelab.remediation.ingest.ProposalWatch;
import dev.homelab.remediation.ingest.RedisSubscriber;
import dev.homelab.remediation.llm.ModelChain;
import dev.homelab.remediation.llm.ModelChains;
import dev.homelab.remediation.llm.ModelRouter;
import dev.homelab.remediation.local.LocalCommand;
import dev.homelab.remediation.local.PublishCommand;
import dev.homelab.remediation.ops.Check;
import dev.homelab.remediation.ops.Heartbeat;
import dev.homelab.remediation.ops.Leadership;
import dev.homelab.remediation.ops.OpsServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;

/** The command line, and the one place where the operator's objects are wired together. */
@Command(
    name = "remediation-operator",
    mixinStandardHelpOptions = true,
    version = "remediation-operator 0.1.0",
    description = "Turns homelab health events from Redis into RemediationProposal resources.",
    subcommands = {
      RemediationOperatorApp.RunCommand.class,
      RemediationOperatorApp.ConfigDocsCommand.class,
      RemediationOperatorApp.ExportCommand.class,
      LocalCommand.class,
      PublishCommand.class
    })
public final class RemediationOperatorApp {
  private static final Logger LOG = LoggerFactory.getLogger(RemediationOperatorApp.class);

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with one flag per setting added to the commands that run the operator. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new RemediationOperatorApp());
    addSettingFlags(cl.getSubcommands().get("run").getCommandSpec());
    return cl;
  }

  public static void addSettingFlags(CommandSpec spec) {
    for (Setting<?> s : OperatorConfig.SETTINGS) {
      spec.addOption(
          OptionSpec.builder(s.flag())
              .paramLabel("VALUE")
              .type(String.class)
              .description(s.description() + " (env " + s.env() + ")")
              .build());
    }
  }

  /**
   * Selects the log appender of logback.xml from the validated LOG_FORMAT (so a flag, or upper case
   * in the environment, works too), re-reading the logging configuration.
   */
  public static void applyLogFormat(String format) {
    System.setProperty("LOG_FORMAT", format);
    if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
      try {
        ctx.reset();
        ch.qos.logback.classic.joran.JoranConfigurator configurator =
            new ch.qos.logback.classic.joran.JoranConfigurator();
        configurator.setContext(ctx);
        configurator.doConfigure(RemediationOperatorApp.class.getResource("/logback.xml"));
      } catch (ch.qos.logback.core.joran.spi.JoranException e) {
        System.err.println("remediation-operator: cannot configure logging: " + e.getMessage());
      }
    }
  }

  /** The settings given as flags, keyed by their environment variable names. */
  public static Map<String, String> flagOverrides(CommandSpec spec) {
    Map<String, String> out = new HashMap<>();
    for (Setting<?> s : OperatorConfig.SETTINGS) {
      OptionSpec o = spec.findOption(s.flag());
      if (o != null && o.getValue() != null) {
        out.put(s.env(), o.getValue());
      }
    }
    return out;
  }

  static OperatorConfig loadConfig(CommandSpec spec) {
    return OperatorConfig.load(System.getenv(), flagOverrides(spec));
  }

  /** The Redis intake: subscriber, parser, incident book and its view of the cluster. */
  public static final class Intake implements AutoCloseable {
    public final IncidentBook book;
    public final IntakePipeline pipeline;
    public final IntakeMetrics metrics;
    public final RedisSubscriber subscriber;
    private final ProposalWatch watch;

    private Intake(
        ProposalWatch watch,
        IncidentBook book,
        IntakePipeline pipeline,
        IntakeMetrics metrics,
        RedisSubscriber subscriber) {
      this.watch = watch;
      this.book = book;
      this.pipeline = pipeline;
      this.metrics = metrics;
      this.subscriber = subscriber;
    }

    public boolean ready() {
      return watch.synced() && subscriber.isSubscribed();
    }

    /** True while the parse worker runs and the subscriber is open. */
    public boolean alive() {
      return pipeline.alive();
    }

    /** True when every message received so far has been parsed and has reached the cluster. */
    public boolean settled() {
      return pipeline.idle() && book.settled();
    }

    /** Stops taking events, finishes queued ones, writes folded counts. */
    @Override
    public void close() {
      subscriber.close();
      pipeline.close();
      book.close();
      watch.close();
    }

    /**
     * Drops everything at once and writes nothing, not even folded counts: the lease is lost, and
     * the new leader owns the cluster's state.
     */
    public void abort() {
      book.abort();
      pipeline.abort();
      subscriber.close();
      watch.close();
    }
  }

  /**
   * A running operator: the JOSDK controller, the Redis intake (only while this instance holds the
   * lease), the operations endpoints and the heartbeat.
   */
  public static final class Running implements AutoCloseable {
    private final Wiring wiring;
    private final Leadership leadership;
    private final Object lock = new Object();
    private volatile Controller controller;
    private volatile Intake intake;
    private volatile boolean leader;
    private volatile boolean closing;
    private volatile boolean stoppingController;
    private volatile boolean lost;
    private volatile RuntimeException startFailure;
    private OpsServer ops;
    private Heartbeat heartbeat;

    private Running(Wiring wiring) {
      this.wiring = wiring;
      OperatorConfig cfg = wiring.config();
      this.leadership =
          new Leadership(
              wiring.client(),
              cfg.watchNamespace,
              cfg.leaseName,
              cfg.nodeName + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()),
              wiring.clock());
    }

    private void start() {
      OperatorConfig cfg = wiring.config();
      controller = startController(wiring, leadership, this::onStartLeading, this::onStopLeading);
      if (!cfg.leaderElection) {
        onStartLeading();
      }
      if (cfg.httpPort > 0) {
        try {
          ops =
              new OpsServer(
                  "0.0.0.0", cfg.httpPort, this::liveness, this::readiness, wiring.registry());
        } catch (IOException e) {
          close();
          throw new ConfigException(
              Settings.HTTP_PORT.env(),
              "cannot listen on port " + cfg.httpPort + ": " + e.getMessage());
        }
        ops.start();
      }
      cfg.heartbeatFile.ifPresent(
          f -> {
            heartbeat = new Heartbeat(f, this::liveness, wiring.clock());
            heartbeat.start(Duration.ofSeconds(60));
          });
    }

    private void onStartLeading() {
      synchronized (lock) {
        if (closing || lost || intake != null) {
          return;
        }
        LOG.atInfo()
            .addKeyValue("lease", wiring.config().leaseName)
            .log("leading: starting the intake");
        try {
          intake = startIntake(wiring);
        } catch (RuntimeException e) {
          // A leader that cannot work must not hold the lease: fail liveness and hand over.
          startFailure = e;
          LOG.error("cannot start the intake; giving up the lease", e);
          wiring.onLeadershipLost().run();
          return;
        }
        leader = true;
      }
    }

    /**
     * The lease is lost (another replica may lead already), or {@link #close} stops the elector. On
     * a loss nothing may happen any more: {@code run} halts the process; in-process the reconciler
     * is fenced, the model router stopped and the intake dropped without a write.
     */
    private void onStopLeading() {
      if (stoppingController) {
        return; // close() releases the lease itself, once everything has stopped
      }
      leadership.fence();
      LOG.error("lost the lease; stopping all work at once, another replica takes over");
      wiring.onLeadershipLost().run();
      Intake dropped;
      synchronized (lock) {
        lost = true;
        leader = false;
        dropped = intake;
        intake = null;
      }
      Controller c = controller;
      if (c != null) {
        c.router().close();
      }
      if (dropped != null) {
        dropped.abort();
      }
    }

    /** The intake while this instance leads; null on standby. */
    public Intake intake() {
      return intake;
    }

    public boolean leader() {
      return leader;
    }

    /** The port of the operations endpoints (useful when HTTP_PORT was taken as a free port). */
    public int httpPort() {
      return ops == null ? 0 : ops.port();
    }

    public Check liveness() {
      if (closing) {
        return Check.failing("shutting down");
      }
      if (lost) {
        return Check.failing("lost the lease; this replica does no more work");
      }
      if (startFailure != null) {
        return Check.failing("the intake could not start: " + startFailure.getMessage());
      }
      Intake i = intake;
      if (leader && (i == null || !i.alive())) {
        return Check.failing("the Redis intake is not running");
      }
      return Check.ok(leader ? "leader" : "standby");
    }

    public Check readiness() {
      if (closing) {
        return Check.failing("shutting down");
      }
      if (lost) {
        return Check.failing("lost the lease; this replica does no more work");
      }
      Intake i = intake;
      if (!leader) {
        return Check.ok("standby: waiting for lease " + wiring.config().leaseName);
      }
      if (i == null || !i.ready()) {
        return Check.failing("leader, but informers not synced or Redis not subscribed yet");
      }
      return Check.ok("leader: informers synced, Redis subscribed");
    }

    /** True when this instance leads and its intake is synced and subscribed. */
    public boolean ready() {
      Intake i = intake;
      return leader && i != null && i.ready();
    }

    /**
     * Stops taking events, finishes queued ones and writes folded counts while still leading, stops
     * the controller and the model router, then releases the Lease so a standby leads at its next
     * retry instead of after the lease expires.
     */
    @Override
    public void close() {
      closing = true;
      if (heartbeat != null) {
        heartbeat.close();
      }
      // The intake stays in place while it drains, so a lease lost meanwhile aborts it.
      Intake i = intake;
      if (i != null) {
        i.close();
      }
      synchronized (lock) {
        intake = null;
        leader = false;
      }
      Controller c = controller;
      if (c != null) {
        stoppingController = true;
        c.close();
      }
      leadership.fence();
      if (c != null && wiring.config().leaderElection && !lost) {
        leadership.release();
      }
      if (ops != null) {
        ops.close();
      }
    }
  }

  /**
   * What the operator is wired with. {@code onLeadershipLost} runs as soon as the lease is lost,
   * right after the reconciler's fence is raised and before anything is stopped ({@code run} halts
   * the process, so Kubernetes restarts it as a standby); in-process, the model router is stopped
   * and the intake dropped after it.
   */
  public record Wiring(
      OperatorConfig config,
      KubernetesClient client,
      MeterRegistry registry,
      Clock clock,
      boolean serverSideApply,
      Runnable onLeadershipLost) {

    public Wiring(
        OperatorConfig config,
        KubernetesClient client,
        MeterRegistry registry,
        Clock clock,
        boolean serverSideApply) {
      this(config, client, registry, clock, serverSideApply, () -> {});
    }
  }

  /** Wires and starts the whole operator; the intake starts once this instance leads. */
  public static Running start(Wiring w) {
    Running running = new Running(w);
    running.start();
    return running;
  }

  /**
   * Wires and starts the JOSDK controller for RemediationProposals; its reconciler does nothing
   * once {@code leadership} is fenced.
   */
  public static Controller startController(
      Wiring w, Leadership leadership, Runnable onStartLeading, Runnable onStopLeading) {
    KubernetesClient client = w.client();
    OperatorConfig cfg = w.config();
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withUseSSAToPatchPrimaryResource(w.serverSideApply())
                  .withCloseClientOnStop(false)
                  .withConcurrentReconciliationThreads(4)
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(w.registry()));
              if (cfg.leaderElection) {
                Duration lease = cfg.leaseDuration;
                // A standby retries every 1 to 2.2 retry periods: at most 1 s, so it takes a
                // released Lease within about 2 s (the leader renews as often).
                Duration retry = lease.dividedBy(5);
                if (retry.compareTo(Duration.ofSeconds(1)) > 0) {
                  retry = Duration.ofSeconds(1);
                }
                o.withLeaderElectionConfiguration(
                    LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(cfg.leaseName)
                        .withLeaseNamespace(cfg.watchNamespace)
                        .withIdentity(leadership.identity())
                        .withLeaseDuration(lease)
                        .withRenewDeadline(lease.multipliedBy(2).dividedBy(3))
                        .withRetryPeriod(retry)
                        .withExitOnStopLeading(false)
                        .withLeaderCallbacks(
                            new LeaderCallbacks(onStartLeading, onStopLeading, leader -> {}))
                        .build());
              }
            });
    PolicyConfig policy =
        new PolicyConfig(cfg.alwaysHumanNodes, cfg.notifyOnlyEvents, cfg.minConfidence);
    ModelChain chain =
        ModelChains.fromConfig(
            cfg.llmChain, cfg.llmApiKey, cfg.llmTimeout, cfg.topologyFile, policy);
    ModelRouter router = new ModelRouter(chain, cfg.llmConcurrency, w.registry());
    ProposalSettings settings =
        new ProposalSettings(
            policy,
            cfg.cooldown,
            cfg.retryBase,
            cfg.approvalMode == ApprovalMode.executor,
            cfg.approvalTtl,
            cfg.retention,
            chain.models());
    ProposalReconciler reconciler =
        new ProposalReconciler(
            new KubernetesStatusPatcher(client),
            new KubernetesEventRecorder(client, w.clock(), cfg.nodeName),
            router,
            new FileDispatcher(cfg.pendingActionsDir, cfg.eventsDir, () -> cfg.nodeName, w.clock()),
            new PhaseMachine(settings),
            w.clock(),
            w.registry(),
            leadership::fenced);
    operator.register(
        reconciler,
        o ->
            o.settingNamespaces(Set.of(cfg.watchNamespace))
                .withName("remediationproposal")
                .withGenerationAware(false)
                // An API error (500, 429, timeout) never parks a proposal: retry until it works,
                // 1 s doubling up to 5 min.
                .withRetry(
                    new GenericRetry()
                        .setInitialInterval(1000)
                        .setIntervalMultiplier(2)
                        .setMaxInterval(300_000)
                        .withoutMaxAttempts()));
    operator.start();
    return new Controller(operator, router);
  }

  /** The JOSDK operator and the model router it consults. */
  public record Controller(Operator operator, ModelRouter router) implements AutoCloseable {
    @Override
    public void close() {
      operator.stop();
      router.close();
    }
  }

  /**
   * Wires and starts the intake. The cluster's proposals are read before the first event is
   * decided, so the cooldown holds across restarts.
   */
  public static Intake startIntake(Wiring w) {
    OperatorConfig cfg = w.config();
    IntakeMetrics metrics = new IntakeMetrics(w.registry());
    IncidentBook book =
        new IncidentBook(
            new KubernetesProposalStore(w.client(), cfg.watchNamespace),
            cfg.watchNamespace,
            w.clock(),
            cfg.cooldown,
            cfg.foldFlushInterval,
            metrics);
    ProposalWatch watch = new ProposalWatch(w.client(), cfg.watchNamespace, book, w.registry());
    watch.start(Duration.ofSeconds(60));
    book.start();
    IntakePipeline pipeline =
        new IntakePipeline(
            new EventParser(cfg.maxMessageBytes),
            book,
            metrics,
            w.clock(),
            cfg.maxMessageBytes,
            cfg.intakeBufferBytes,
            cfg.intakeWorkers);
    pipeline.start();
    RedisURI uri = RedisURI.create(cfg.redisUrl);
    cfg.redisPassword.ifPresent(p -> uri.setAuthentication(p.toCharArray()));
    RedisSubscriber subscriber =
        new RedisSubscriber(uri, List.of(cfg.healthChannel, cfg.worldChannel), pipeline::offer);
    subscriber.start();
    LOG.atInfo()
        .addKeyValue("namespace", cfg.watchNamespace)
        .addKeyValue("channels", cfg.healthChannel + "," + cfg.worldChannel)
        .log("intake started");
    return new Intake(watch, book, pipeline, metrics, subscriber);
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description =
          "Run the operator against the cluster of the current kubeconfig, or in-cluster. "
              + "Every setting is read from its environment variable and can be overridden by its flag.")
  static final class RunCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      OperatorConfig cfg;
      try {
        cfg = loadConfig(spec);
        applyLogFormat(cfg.logFormat);
        // A bad topology file stops start-up here too, before anything connects.
        ModelChains.checkTopology(cfg.topologyFile);
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
            start(
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

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description =
          "Write one review-ready manifest per open proposal into DIR, for a GitOps pull request: "
              + "only name, namespace and the approval annotation (commented out); the rest as comments.")
  static final class ExportCommand implements Callable<Integer> {
    @CommandLine.Parameters(
        index = "0",
        paramLabel = "DIR",
        description = "Directory to write into.")
    java.nio.file.Path dir;

    @CommandLine.Option(
        names = {"-n", "--namespace"},
        description =
            "Namespace of the proposals (default: WATCH_NAMESPACE, else the kubeconfig's).")
    String namespace;

    @Override
    public Integer call() throws IOException {
      try (KubernetesClient client = new KubernetesClientBuilder().build()) {
        String ns = namespace != null ? namespace : System.getenv("WATCH_NAMESPACE");
        if (ns == null || ns.isBlank()) {
          ns = client.getNamespace() == null ? "default" : client.getNamespace();
        }
        var items =
            client
                .resources(dev.homelab.remediation.api.v1alpha1.RemediationProposal.class)
                .inNamespace(ns)
                .list()
                .getItems();
        var written = dev.homelab.remediation.gitops.ProposalExporter.export(items, dir);
        written.forEach(f -> System.out.println(f));
        System.err.println("exported " + written.size() + " open proposal(s) from namespace " + ns);
        return 0;
      }
    }
  }

  @Command(
      name = "config-docs",
      mixinStandardHelpOptions = true,
      description = "Print the configuration table (Markdown) generated from the settings.")
  static final class ConfigDocsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      System.out.print(OperatorConfig.markdownTable());
      return 0;
    }
  }
}
