package dev.homelab.remediation.llm;

import dev.homelab.remediation.config.ConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One parsed element of {@code LLM_CHAIN}; {@link #parseChain} is the one place that value is
 * parsed.
 *
 * <p>Syntax of a link: {@code provider:model@url}, or the bare word {@code rules}. The provider is
 * the {@link Provider#id() id} of a {@link Provider} ({@code ollama}, {@code openai}); the model is
 * everything between the first {@code :} and the first {@code @}, so model names keep their colons
 * ({@code ollama:llama3.1:8b@http://ollama:11434}, {@code
 * openai:qwen2.5:7b@http://litellm:4000/v1}). Without {@code @url} a link uses its provider's
 * {@link Provider#defaultUrl() default URL}. A URL is used as written: an OpenAI-compatible one
 * must include the API prefix ({@code /v1}) the server expects. The chain is comma separated;
 * {@code rules} may appear once, as the last link.
 */
public final class ChainLinkSpec {

  static final String RULES_WORD = "rules";
  private static final String SETTING = "LLM_CHAIN";

  /** Null for the rules proposer. */
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
    return new ChainLinkSpec(null, RULES_WORD, null);
  }

  /**
   * Parses a whole {@code LLM_CHAIN} value, link by link, in order.
   *
   * @throws ConfigException for LLM_CHAIN, with a one-line message naming the offending link (and,
   *     for an unknown provider, the known ones)
   */
  public static List<ChainLinkSpec> parseChain(String llmChain) {
    if (llmChain == null || llmChain.isBlank()) {
      throw invalid("must not be empty");
    }
    String[] parts = llmChain.split(",", -1);
    List<ChainLinkSpec> links = new ArrayList<>(parts.length);
    for (int i = 0; i < parts.length; i++) {
      ChainLinkSpec link = parse(parts[i], i + 1);
      if (link.isRules() && i != parts.length - 1) {
        throw invalid(
            "'rules' may only be the last link, found it as link "
                + (i + 1)
                + " of "
                + parts.length);
      }
      links.add(link);
    }
    return List.copyOf(links);
  }

  /** Parses one link, as if it were the whole chain (tests). */
  static ChainLinkSpec parse(String link) {
    return parse(link, 1);
  }

  private static ChainLinkSpec parse(String raw, int position) {
    String link = raw == null ? "" : raw.trim();
    if (link.isEmpty()) {
      throw invalid("link " + position + " is empty (two commas in a row, or a trailing comma?)");
    }
    String where = "link " + position + " '" + link + "'";
    if (link.equalsIgnoreCase(RULES_WORD)) {
      return rules();
    }
    int colon = link.indexOf(':');
    if (colon < 0) {
      throw invalid(where + " is not provider:model@url or 'rules' (" + known() + ")");
    }
    String providerId = link.substring(0, colon).trim();
    Provider provider =
        Provider.byId(providerId)
            .orElseThrow(
                () ->
                    invalid(
                        where
                            + " has unknown provider '"
                            + providerId.toLowerCase(Locale.ROOT)
                            + "' ("
                            + known()
                            + ")"));
    String rest = link.substring(colon + 1);
    int at = rest.indexOf('@');
    String model = (at < 0 ? rest : rest.substring(0, at)).trim();
    if (model.isEmpty()) {
      throw invalid(where + " has no model name");
    }
    if (model.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      throw invalid(where + " has a model name with white space");
    }
    String url;
    if (at < 0) {
      url = provider.defaultUrl();
    } else {
      url = rest.substring(at + 1).trim();
      checkUrl(url, where);
    }
    return new ChainLinkSpec(provider, model, url);
  }

  /** {@code providers: ollama, openai; or 'rules' as the last link}, from {@link Provider}. */
  private static String known() {
    return "providers: " + Provider.ids() + "; or 'rules' as the last link";
  }

  /**
   * The error for a bad LLM_CHAIN. Control characters of the value (a newline in it) are shown
   * escaped, so the message stays one line.
   */
  private static ConfigException invalid(String problem) {
    StringBuilder line = new StringBuilder(problem.length());
    problem
        .codePoints()
        .forEach(
            c -> {
              if (Character.isISOControl(c)) {
                line.append(String.format(Locale.ROOT, "\\u%04x", c));
              } else {
                line.appendCodePoint(c);
              }
            });
    return new ConfigException(SETTING, line.toString());
  }

  private static void checkUrl(String url, String where) {
    if (url.isEmpty()) {
      throw invalid(where + " has an empty URL after '@'");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw invalid(where + " has an invalid URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw invalid(where + " has a URL that is not http:// or https://: '" + url + "'");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw invalid(where + " has a URL without a host: '" + url + "'");
    }
  }

  /** The link's provider; empty for the rules proposer. */
  public Optional<Provider> provider() {
    return Optional.ofNullable(provider);
  }

  /** Whether this is the rules proposer rather than a model. */
  public boolean isRules() {
    return provider == null;
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
    return isRules() ? RULES_WORD : provider.id() + "/" + model;
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
    return isRules() ? RULES_WORD : provider.id() + ":" + model + "@" + baseUrl;
  }
}
