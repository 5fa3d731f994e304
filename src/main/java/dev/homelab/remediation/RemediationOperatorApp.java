package dev.homelab.remediation;

import dev.homelab.remediation.config.ConfigException;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.config.Setting;
import dev.homelab.remediation.controller.KubernetesEventRecorder;
import dev.homelab.remediation.controller.KubernetesStatusPatcher;
import dev.homelab.remediation.controller.ProposalSettings;
import dev.homelab.remediation.decision.PolicyConfig;
import dev.homelab.remediation.dispatch.FileDispatcher;
import dev.homelab.remediation.llm.ModelChain;
import dev.homelab.remediation.llm.ModelChains;
import dev.homelab.remediation.llm.ModelRouter;
import dev.homelab.remediation.controller.ProposalReconciler;
import dev.homelab.remediation.ingest.EventParser;
import dev.homelab.remediation.ingest.IncidentBook;
import dev.homelab.remediation.ingest.IntakeMetrics;
import dev.homelab.remediation.ingest.IntakePipeline;
import dev.homelab.remediation.ingest.KubernetesProposalStore;
import dev.homelab.remediation.ingest.ProposalWatch;
import dev.homelab.remediation.ingest.RedisSubscriber;
import dev.homelab.remediation.local.LocalCommand;
import dev.homelab.remediation.local.PublishCommand;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
    for (Setting s : OperatorConfig.SETTINGS) {
      spec.addOption(
          OptionSpec.builder(s.flag())
              .paramLabel("VALUE")
              .type(String.class)
              .description(s.description() + " (env " + s.env() + ")")
              .build());
    }
  }

  /** The settings given as flags, keyed by their environment variable names. */
  public static Map<String, String> flagOverrides(CommandSpec spec) {
    Map<String, String> out = new HashMap<>();
    for (Setting s : OperatorConfig.SETTINGS) {
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
  }

  /** A running operator: the JOSDK controller and the Redis intake. */
  public static final class Running implements AutoCloseable {
    public final Controller controller;
    public final Intake intake;

    private Running(Controller controller, Intake intake) {
      this.controller = controller;
      this.intake = intake;
    }

    public boolean ready() {
      return intake.ready();
    }

    @Override
    public void close() {
      intake.close();
      controller.close();
    }
  }

  /** Options for {@link #start}. */
  public record Wiring(
      OperatorConfig config,
      KubernetesClient client,
      MeterRegistry registry,
      Clock clock,
      boolean serverSideApply) {}

  /** Wires and starts the whole operator: controller first, then the intake. */
  public static Running start(Wiring w) {
    Controller controller = startController(w);
    return new Running(controller, startIntake(w));
  }

  /** Wires and starts the JOSDK controller for RemediationProposals. */
  public static Controller startController(Wiring w) {
    KubernetesClient client = w.client();
    Operator operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withUseSSAToPatchPrimaryResource(w.serverSideApply())
                    .withCloseClientOnStop(false)
                    .withConcurrentReconciliationThreads(4));
    OperatorConfig cfg = w.config();
    ModelChain chain =
        ModelChains.fromConfig(cfg.llmChain, cfg.llmApiKey, cfg.llmTimeout, cfg.topologyFile);
    ModelRouter router = new ModelRouter(chain, cfg.llmConcurrency, w.registry());
    ProposalSettings settings =
        new ProposalSettings(
            new PolicyConfig(cfg.alwaysHumanNodes, cfg.notifyOnlyEvents, cfg.minConfidence),
            cfg.cooldown,
            cfg.retryBase,
            cfg.approvalMode,
            cfg.approvalTtl,
            cfg.retention);
    ProposalReconciler reconciler =
        new ProposalReconciler(
            new KubernetesStatusPatcher(client),
            new KubernetesEventRecorder(client, w.clock(), cfg.nodeName),
            router,
            new FileDispatcher(cfg.pendingActionsDir, cfg.eventsDir, () -> cfg.nodeName, w.clock()),
            chain.models(),
            settings,
            w.clock(),
            w.registry());
    operator.register(
        reconciler,
        o ->
            o.settingNamespaces(Set.of(cfg.watchNamespace))
                .withName("remediationproposal")
                .withGenerationAware(false));
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
    ProposalWatch watch = new ProposalWatch(w.client(), cfg.watchNamespace, book);
    watch.start(Duration.ofSeconds(60));
    book.start();
    IntakePipeline pipeline =
        new IntakePipeline(
            new EventParser(cfg.maxMessageBytes),
            book,
            metrics,
            w.clock(),
            cfg.maxMessageBytes,
            cfg.intakeBufferBytes);
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
        // Builds the chain once, so a bad topology file stops start-up here too.
        ModelChains.fromConfig(cfg.llmChain, cfg.llmApiKey, cfg.llmTimeout, cfg.topologyFile);
      } catch (ConfigException e) {
        System.err.println("remediation-operator: " + e.getMessage());
        return 2;
      } catch (IllegalArgumentException e) {
        System.err.println("remediation-operator: invalid setting " + e.getMessage());
        return 2;
      }
      KubernetesClient client = new KubernetesClientBuilder().build();
      Running running =
          start(new Wiring(cfg, client, new SimpleMeterRegistry(), Clock.systemUTC(), true));
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
