package dev.homelab.remediation.llm;

import java.util.List;

/**
 * An ordered chain of models (SPEC 4): the first link that answers with a proposal that validates
 * against the proposal schema wins; a link that errs, times out or answers badly is recorded as
 * failed and the next one is asked. Built by {@link ModelChains#fromConfig}.
 *
 * <p>Blocking and thread-safe. Concurrency limits and cooldowns are the caller's business.
 */
public interface ModelChain {

  /**
   * Walks the chain once. Never throws for a model's failure; that is a {@link ChainResult.Failed}.
   */
  ChainResult ask(ProposalRequest request);

  /**
   * Names of the links in order (e.g. {@code ollama/llama3.1:8b}, {@code rules}), for logs and
   * metrics.
   */
  List<String> models();
}
