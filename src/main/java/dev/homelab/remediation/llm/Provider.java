package dev.homelab.remediation.llm;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The model providers a link of {@code LLM_CHAIN} can name ({@code provider:model@url}).
 *
 * <p>Adding a provider is one entry here (its id, its default URL, how to build its LangChain4j
 * model) plus a fake server speaking its wire protocol in the tests; parsing, error messages and
 * the chain read everything else from this enum. Each model is built the same way: JSON answers,
 * {@link ModelChains#TEMPERATURE low temperature}, the link's timeout, and no retries of its own
 * (the chain moves on to the next link instead).
 *
 * <p>The {@code rules} link is not a provider: it has no model, no URL and no server.
 */
public enum Provider {
  /** Ollama's own API ({@code POST /api/chat}); the URL has no path. */
  OLLAMA(
      "ollama",
      "http://ollama:11434",
      (link, apiKey, timeout) ->
          OllamaChatModel.builder()
              .baseUrl(link.baseUrl().orElseThrow())
              .modelName(link.model())
              .responseFormat(ResponseFormat.JSON)
              .temperature(ModelChains.TEMPERATURE)
              .numPredict(ModelChains.MAX_OUTPUT_TOKENS)
              .timeout(timeout)
              .maxRetries(0)
              .build()),

  /**
   * Any OpenAI-compatible server ({@code POST <url>/chat/completions}: LiteLLM, vLLM, llama.cpp
   * server, OpenAI); the URL is used as written, so it includes the API prefix ({@code /v1}).
   */
  OPENAI(
      "openai",
      "https://api.openai.com/v1",
      (link, apiKey, timeout) ->
          OpenAiChatModel.builder()
              .baseUrl(link.baseUrl().orElseThrow())
              .apiKey(apiKey.filter(k -> !k.isBlank()).orElse(ModelChains.NO_API_KEY))
              .modelName(link.model())
              .responseFormat("json_object")
              .temperature(ModelChains.TEMPERATURE)
              .timeout(timeout)
              .maxRetries(0)
              .build());

  /** Builds the LangChain4j model of one link of this provider. */
  @FunctionalInterface
  interface ModelFactory {
    /**
     * @param link a link of this provider (its model name and base URL)
     * @param apiKey LLM_API_KEY, for providers that send one
     * @param timeout what the model gets to answer (its HTTP timeout)
     */
    ChatModel build(ChainLinkSpec link, Optional<String> apiKey, Duration timeout);
  }

  private final String id;
  private final String defaultUrl;
  private final ModelFactory factory;

  Provider(String id, String defaultUrl, ModelFactory factory) {
    this.id = id;
    this.defaultUrl = defaultUrl;
    this.factory = factory;
  }

  /** The word before the first {@code :} of a link ({@code ollama}). */
  public String id() {
    return id;
  }

  /** The base URL of a link written without {@code @url}. */
  public String defaultUrl() {
    return defaultUrl;
  }

  /** The LangChain4j model for {@code link}, which must be a link of this provider. */
  ChatModel chatModel(ChainLinkSpec link, Optional<String> apiKey, Duration timeout) {
    if (link.provider().orElse(null) != this) {
      throw new IllegalArgumentException("not a " + id + " link: " + link.name());
    }
    return factory.build(link, apiKey, timeout);
  }

  /** The provider with this id, ignoring case. */
  static Optional<Provider> byId(String id) {
    return Arrays.stream(values()).filter(p -> p.id.equalsIgnoreCase(id.trim())).findFirst();
  }

  /** Every provider's id, in declaration order, comma separated: {@code ollama, openai}. */
  static String ids() {
    return Arrays.stream(values()).map(Provider::id).collect(Collectors.joining(", "));
  }
}
