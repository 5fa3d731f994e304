package dev.homelab.remediation.llm;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One parsed element of {@code LLM_CHAIN}.
 *
 * <p>Syntax of a link: {@code provider:model@url}, or the bare word {@code rules}. The provider is
 * {@code ollama} or {@code openai}; the model is everything between the first {@code :} and the
 * first {@code @}, so model names keep their colons ({@code
 * ollama:llama3.1:8b@http://ollama:11434}, {@code openai:qwen2.5:7b@http://litellm:4000/v1}).
 * Without {@code @url}, {@code ollama} uses {@value #DEFAULT_OLLAMA_URL} and {@code openai} uses
 * {@value #DEFAULT_OPENAI_URL}. An OpenAI URL is used as written: it must include the API prefix
 * ({@code /v1}) the server expects. The chain is comma separated; {@code rules} may appear once, as
 * the last link.
 */
public final class ChainLinkSpec {

  /** Where a link's answers come from. */
  public enum Provider {
    OLLAMA,
    OPENAI,
    RULES;

    String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public static final String DEFAULT_OLLAMA_URL = "http://ollama:11434";
  public static final String DEFAULT_OPENAI_URL = "https://api.openai.com/v1";
  static final String RULES_WORD = "rules";
  private static final String SETTING = "LLM_CHAIN";

  private final Provider provider;
  private final String model;
  private final String baseUrl;

  private ChainLinkSpec(Provider provider, String model, String baseUrl) {
    this.provider = provider;
    this.model = model;
    this.baseUrl = baseUrl;
  }

  /** The rules proposer. */
  public static ChainLinkSpec rules() {
    return new ChainLinkSpec(Provider.RULES, RULES_WORD, null);
  }

  /**
   * Parses a whole {@code LLM_CHAIN} value.
   *
   * @throws IllegalArgumentException naming LLM_CHAIN and the offending link
   */
  public static List<ChainLinkSpec> parseChain(String llmChain) {
    if (llmChain == null || llmChain.isBlank()) {
      throw new IllegalArgumentException(SETTING + ": must not be empty");
    }
    String[] parts = llmChain.split(",", -1);
    List<ChainLinkSpec> links = new ArrayList<>(parts.length);
    for (int i = 0; i < parts.length; i++) {
      ChainLinkSpec link = parse(parts[i], i + 1);
      if (link.provider == Provider.RULES && i != parts.length - 1) {
        throw new IllegalArgumentException(
            SETTING
                + ": 'rules' may only be the last link, found it as link "
                + (i + 1)
                + " of "
                + parts.length);
      }
      links.add(link);
    }
    return List.copyOf(links);
  }

  /**
   * Parses one link.
   *
   * @throws IllegalArgumentException naming LLM_CHAIN and the link
   */
  public static ChainLinkSpec parse(String link) {
    return parse(link, 1);
  }

  private static ChainLinkSpec parse(String raw, int position) {
    String link = raw == null ? "" : raw.trim();
    String where = SETTING + ": link " + position;
    if (link.isEmpty()) {
      throw new IllegalArgumentException(
          where + " is empty (two commas in a row, or a trailing comma?)");
    }
    if (link.equalsIgnoreCase(RULES_WORD)) {
      return rules();
    }
    int colon = link.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          where
              + " '"
              + link
              + "' is not provider:model@url (providers: ollama, openai) or 'rules'");
    }
    String providerId = link.substring(0, colon).trim().toLowerCase(Locale.ROOT);
    Provider provider;
    switch (providerId) {
      case "ollama":
        provider = Provider.OLLAMA;
        break;
      case "openai":
        provider = Provider.OPENAI;
        break;
      default:
        throw new IllegalArgumentException(
            where
                + " '"
                + link
                + "' has unknown provider '"
                + providerId
                + "' (expected ollama, openai or rules)");
    }
    String rest = link.substring(colon + 1);
    int at = rest.indexOf('@');
    String model = (at < 0 ? rest : rest.substring(0, at)).trim();
    if (model.isEmpty()) {
      throw new IllegalArgumentException(where + " '" + link + "' has no model name");
    }
    if (model.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      throw new IllegalArgumentException(
          where + " '" + link + "' has a model name with white space");
    }
    String url;
    if (at < 0) {
      url = provider == Provider.OLLAMA ? DEFAULT_OLLAMA_URL : DEFAULT_OPENAI_URL;
    } else {
      url = rest.substring(at + 1).trim();
      checkUrl(url, where + " '" + link + "'");
    }
    return new ChainLinkSpec(provider, model, url);
  }

  private static void checkUrl(String url, String where) {
    if (url.isEmpty()) {
      throw new IllegalArgumentException(where + " has an empty URL after '@'");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(where + " has an invalid URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          where + " has a URL that is not http:// or https://: '" + url + "'");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException(where + " has a URL without a host: '" + url + "'");
    }
  }

  public Provider provider() {
    return provider;
  }

  /** The model name as written ({@code rules} for the rules proposer). */
  public String model() {
    return model;
  }

  /** The server's base URL; empty for the rules proposer. */
  public Optional<String> baseUrl() {
    return Optional.ofNullable(baseUrl);
  }

  /**
   * The link's name in logs, metrics, failures and {@link ModelAnswer#model()}: {@code
   * provider/model} ({@code ollama/llama3.1:8b}), or {@code rules}.
   */
  public String name() {
    return provider == Provider.RULES ? RULES_WORD : provider.id() + "/" + model;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ChainLinkSpec)) {
      return false;
    }
    ChainLinkSpec that = (ChainLinkSpec) o;
    return provider == that.provider
        && model.equals(that.model)
        && Objects.equals(baseUrl, that.baseUrl);
  }

  @Override
  public int hashCode() {
    return Objects.hash(provider, model, baseUrl);
  }

  /** The link as it could be written in LLM_CHAIN. */
  @Override
  public String toString() {
    return provider == Provider.RULES ? RULES_WORD : provider.id() + ":" + model + "@" + baseUrl;
  }
}
