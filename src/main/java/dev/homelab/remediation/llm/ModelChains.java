package dev.homelab.remediation.llm;

import dev.homelab.remediation.config.ConfigException;
import dev.homelab.remediation.decision.PolicyConfig;
import dev.homelab.remediation.util.DaemonThreads;
import dev.langchain4j.model.chat.ChatModel;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the {@link ModelChain} from the operator's settings. */
public final class ModelChains {
  private static final Logger LOG = LoggerFactory.getLogger(ModelChains.class);

  // How every Provider builds its model (see Provider's entries).

  /** Low temperature: the same event should get the same proposal. */
  static final double TEMPERATURE = 0.1;

  /** Upper bound of tokens an Ollama model may generate; a proposal needs far fewer. */
  static final int MAX_OUTPUT_TOKENS = 512;

  /** Sent to OpenAI-compatible servers when LLM_API_KEY is not set (local servers ignore it). */
  static final String NO_API_KEY = "none";

  private ModelChains() {}

  /**
   * The chain described by {@code LLM_CHAIN}.
   *
   * @param llmChain the LLM_CHAIN value, see {@link ChainLinkSpec}
   * @param apiKey LLM_API_KEY, sent to OpenAI-compatible links ({@value #NO_API_KEY} when empty)
   * @param timeout LLM_TIMEOUT_SECONDS: what each model link gets to answer
   * @param topologyFile TOPOLOGY_FILE; the built-in topology when empty
   * @throws ConfigException naming LLM_CHAIN when it is invalid
   * @throws IllegalArgumentException naming TOPOLOGY_FILE or LLM_TIMEOUT_SECONDS when one of them
   *     is invalid
   */
  public static ModelChain fromConfig(
      String llmChain, Optional<String> apiKey, Duration timeout, Optional<Path> topologyFile) {
    return fromConfig(llmChain, apiKey, timeout, topologyFile, Prompts.DEFAULT_POLICY);
  }

  /**
   * Checks LLM_CHAIN and TOPOLOGY_FILE without building a chain or connecting to anything, so a bad
   * value stops start-up early with one message; {@link #fromConfig} checks the same again.
   *
   * @throws ConfigException naming LLM_CHAIN (see {@link ChainLinkSpec#parseChain})
   * @throws IllegalArgumentException naming TOPOLOGY_FILE (see {@link #checkTopology})
   */
  public static void check(String llmChain, Optional<Path> topologyFile) {
    ChainLinkSpec.parseChain(llmChain);
    checkTopology(topologyFile);
  }

  /**
   * Checks the topology file (TOPOLOGY_FILE) without building a chain, so a bad file stops start-up
   * before anything connects.
   *
   * @throws IllegalArgumentException naming TOPOLOGY_FILE
   */
  public static void checkTopology(Optional<Path> topologyFile) {
    Topology.load(topologyFile);
  }

  /** As above, with the safety policy the system prompt states (the one enforced in code). */
  public static ModelChain fromConfig(
      String llmChain,
      Optional<String> apiKey,
      Duration timeout,
      Optional<Path> topologyFile,
      PolicyConfig policy) {
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(topologyFile, "topologyFile");
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("LLM_TIMEOUT_SECONDS: must be positive, got " + timeout);
    }
    List<ChainLinkSpec> specs = ChainLinkSpec.parseChain(llmChain);
    boolean needsModels = specs.stream().anyMatch(s -> !s.isRules());
    // Loaded even for a rules-only chain, so a bad TOPOLOGY_FILE stops start-up either way.
    Prompts prompts = new Prompts(Topology.load(topologyFile), policy);
    AnswerParser parser = needsModels ? new AnswerParser(ProposalSchema.load()) : null;
    ExecutorService calls = needsModels ? callExecutor() : null;

    List<ChainLink> links = new ArrayList<>(specs.size());
    for (ChainLinkSpec spec : specs) {
      if (spec.isRules()) {
        links.add(new RulesProposer());
      } else {
        ChatModel model = spec.provider().orElseThrow().chatModel(spec, apiKey, timeout);
        links.add(
            new ModelLink(spec.name(), endpoint(spec), model, timeout, prompts, parser, calls));
      }
    }
    ModelChain chain = new OrderedModelChain(links);
    LOG.atInfo()
        .setMessage("model chain ready")
        .addKeyValue("models", chain.models())
        .addKeyValue("timeoutMs", timeout.toMillis())
        .addKeyValue("topology", topologyFile.map(Path::toString).orElse("built-in"))
        .log();
    return chain;
  }

  /** {@code scheme://host:port} of a model link, without credentials or path. */
  static String endpoint(ChainLinkSpec spec) {
    URI uri = URI.create(spec.baseUrl().orElseThrow());
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }

  /**
   * Worker threads for model calls (daemon, so a call stuck past its bound never blocks the JVM's
   * exit); idle ones end after a minute.
   */
  private static ExecutorService callExecutor() {
    return new ThreadPoolExecutor(
        0,
        Integer.MAX_VALUE,
        60,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        DaemonThreads.named("llm-call"));
  }
}
