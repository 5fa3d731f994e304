package dev.homelab.remediation.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.homelab.remediation.config.ConfigException;
import dev.homelab.remediation.support.FakeLlmServer;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeOpenAi;
import dev.langchain4j.model.chat.ChatModel;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every {@link Provider} entry is complete: an id, a default URL, and a model factory that gets an
 * answer from a fake server of that provider's wire protocol. A new entry does not compile here
 * until {@link #fakeServerOf} has its fake server.
 */
class ProviderIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final String VALID =
      "{\"action\":\"notify\",\"reason\":\"fake\",\"confidence\":0.9,\"requires_human\":true}";

  /** The fake server speaking this provider's protocol. */
  private static FakeLlmServer fakeServerOf(Provider provider) {
    // A switch expression must cover every entry: a new provider fails to compile here.
    return switch (provider) {
      case OLLAMA -> new FakeOllama();
      case OPENAI -> new FakeOpenAi();
    };
  }

  private static List<String> ids() {
    return Arrays.stream(Provider.values()).map(Provider::id).toList();
  }

  @Test
  void idsAreNonBlankLowerCaseWordsAndDistinct() {
    assertThat(ids())
        .allSatisfy(id -> assertThat(id).matches("[a-z][a-z0-9-]*"))
        .doesNotHaveDuplicates()
        .doesNotContain(ChainLinkSpec.RULES_WORD);
  }

  @ParameterizedTest
  @EnumSource(Provider.class)
  void defaultUrlIsAnHttpUrlWithAHostAndALinkWithoutOneUsesIt(Provider provider) {
    URI url = URI.create(provider.defaultUrl());
    assertThat(url.getScheme()).isIn("http", "https");
    assertThat(url.getHost()).isNotBlank();
    ChainLinkSpec link = ChainLinkSpec.parseChain(provider.id() + ":some-model").get(0);
    assertThat(link.provider()).contains(provider);
    assertThat(link.baseUrl()).contains(provider.defaultUrl());
  }

  @ParameterizedTest
  @EnumSource(Provider.class)
  void factoryBuildsAModelThatAnswers(Provider provider) {
    try (FakeLlmServer server = fakeServerOf(provider)) {
      server.enqueue("pong");
      ChainLinkSpec link =
          ChainLinkSpec.parseChain(provider.id() + ":test-model@" + server.baseUrl()).get(0);
      ChatModel model = provider.chatModel(link, Optional.of("sk-test"), TIMEOUT);
      assertThat(model.chat("ping")).isEqualTo("pong");
      assertThat(server.lastRequest().model()).isEqualTo("test-model");
    }
  }

  @ParameterizedTest
  @EnumSource(Provider.class)
  void aChainOfTheProviderGetsAValidProposal(Provider provider) {
    try (FakeLlmServer server = fakeServerOf(provider)) {
      server.enqueue(VALID);
      ModelChain chain =
          ModelChains.fromConfig(
              provider.id() + ":test-model@" + server.baseUrl(),
              Optional.empty(),
              TIMEOUT,
              Optional.empty());
      ChainResult r = chain.ask(TestEvents.zigbee());
      assertThat(r).isInstanceOf(ChainResult.Answered.class);
      assertThat(((ChainResult.Answered) r).answer().model())
          .isEqualTo(provider.id() + "/test-model");
      assertThat(server.calls()).isEqualTo(1);
    }
  }

  @Test
  void aLinkOfAnotherProviderIsRefused() {
    ChainLinkSpec ollama = ChainLinkSpec.parseChain("ollama:m").get(0);
    assertThatThrownBy(() -> Provider.OPENAI.chatModel(ollama, Optional.empty(), TIMEOUT))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unknownProviderErrorListsExactlyTheProviders() {
    assertThatThrownBy(() -> ChainLinkSpec.parseChain("gemini:pro"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("LLM_CHAIN")
        .satisfies(e -> assertThat(listedProviders(e.getMessage())).isEqualTo(ids()));
    assertThatThrownBy(() -> ChainLinkSpec.parseChain("llama3.1"))
        .satisfies(e -> assertThat(listedProviders(e.getMessage())).isEqualTo(ids()));
  }

  private static List<String> listedProviders(String message) {
    Matcher m = Pattern.compile("\\(providers: ([^;]*);").matcher(message);
    assertThat(m.find()).as("providers listed in: %s", message).isTrue();
    return List.of(m.group(1).split(", "));
  }
}
