package dev.homelab.remediation.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.homelab.remediation.config.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChainLinkSpecTest {

  @Test
  void ollamaModelKeepsItsColons() {
    ChainLinkSpec link = ChainLinkSpec.parse("ollama:llama3.1:8b@http://ollama:11434");
    assertThat(link.provider()).contains(Provider.OLLAMA);
    assertThat(link.model()).isEqualTo("llama3.1:8b");
    assertThat(link.baseUrl()).contains("http://ollama:11434");
    assertThat(link.name()).isEqualTo("ollama/llama3.1:8b");
  }

  @Test
  void openAiUrlIsKeptAsWritten() {
    ChainLinkSpec link = ChainLinkSpec.parse("openai:qwen2.5:7b@http://litellm:4000/v1");
    assertThat(link.provider()).contains(Provider.OPENAI);
    assertThat(link.model()).isEqualTo("qwen2.5:7b");
    assertThat(link.baseUrl()).contains("http://litellm:4000/v1");
    assertThat(link.name()).isEqualTo("openai/qwen2.5:7b");
  }

  @Test
  void ollamaWithoutUrlUsesTheDefault() {
    ChainLinkSpec link = ChainLinkSpec.parse("ollama:llama3.1:8b");
    assertThat(link.model()).isEqualTo("llama3.1:8b");
    assertThat(link.baseUrl()).contains("http://ollama:11434");
  }

  @Test
  void openAiWithoutUrlUsesOpenAi() {
    assertThat(ChainLinkSpec.parse("openai:gpt-4o-mini").baseUrl())
        .contains("https://api.openai.com/v1");
  }

  @Test
  void wholeChainInOrderWithSpacesAndRulesLast() {
    List<ChainLinkSpec> chain =
        ChainLinkSpec.parseChain(
            " ollama:llama3.1:8b@http://ollama:11434 ,"
                + " openai:gpt-4o-mini@https://api.openai.com/v1,RULES ");
    assertThat(chain)
        .extracting(ChainLinkSpec::name)
        .containsExactly("ollama/llama3.1:8b", "openai/gpt-4o-mini", "rules");
    assertThat(chain.get(2).isRules()).isTrue();
    assertThat(chain.get(2).provider()).isEmpty();
    assertThat(chain.get(2).baseUrl()).isEmpty();
  }

  @Test
  void rulesAloneIsAChain() {
    assertThat(ChainLinkSpec.parseChain("rules")).containsExactly(ChainLinkSpec.rules());
  }

  @Test
  void providerIsCaseInsensitiveAndToStringRoundTrips() {
    ChainLinkSpec link = ChainLinkSpec.parse("OpenAI:gpt-4o-mini@https://api.openai.com/v1");
    assertThat(link.provider()).contains(Provider.OPENAI);
    assertThat(ChainLinkSpec.parse(link.toString())).isEqualTo(link);
  }

  @Test
  void rulesNotLastIsAnError() {
    assertThatThrownBy(() -> ChainLinkSpec.parseChain("rules,ollama:llama3.1:8b"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("LLM_CHAIN")
        .hasMessageContaining("'rules' may only be the last link");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "  ",
        "ollama:llama3.1:8b,",
        "ollama:llama3.1:8b,,rules",
        "llama3.1",
        "gemini:pro@https://x",
        "ollama:@http://ollama:11434",
        "ollama:",
        "ollama:llama3.1:8b@",
        "ollama:llama3.1:8b@ollama:11434",
        "openai:gpt-4o-mini@ftp://host/v1",
        "openai:gpt-4o-mini@http:///v1",
        "openai:gpt 4o@http://host/v1",
        "openai:gpt-4o-mini@http://ho st/v1"
      })
  void badSyntaxNamesLlmChain(String value) {
    assertThatThrownBy(() -> ChainLinkSpec.parseChain(value))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.setting()).isEqualTo("LLM_CHAIN"))
        .hasMessageStartingWith("invalid setting LLM_CHAIN: ")
        .hasMessageNotContaining("\n");
  }

  @Test
  void errorNamesTheLinkAndTheProvider() {
    assertThatThrownBy(() -> ChainLinkSpec.parseChain("ollama:llama3.1:8b,gemini:pro@https://x"))
        .hasMessageContaining("link 2")
        .hasMessageContaining("unknown provider 'gemini'")
        .hasMessageContaining("providers: ollama, openai; or 'rules' as the last link");
  }

  @Test
  void aNewlineInTheValueIsShownEscapedSoTheMessageIsOneLine() {
    assertThatThrownBy(() -> ChainLinkSpec.parseChain("llama\n3.1"))
        .hasMessage(
            "invalid setting LLM_CHAIN: link 1 'llama\\u000a3.1' is not provider:model@url or"
                + " 'rules' (providers: ollama, openai; or 'rules' as the last link)");
  }
}
