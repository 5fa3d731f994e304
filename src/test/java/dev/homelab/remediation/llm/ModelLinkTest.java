package dev.homelab.remediation.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The link around a LangChain4j model, with in-process models (no server). */
class ModelLinkTest {
  private final ExecutorService calls = Executors.newCachedThreadPool();
  private final Prompts prompts = new Prompts(Topology.builtIn());
  private final AnswerParser parser = new AnswerParser(ProposalSchema.load());

  @AfterEach
  void stop() {
    calls.shutdownNow();
  }

  private ModelLink link(ChatModel model, Duration timeout) {
    return new ModelLink("test/model", "http://test:1", model, timeout, prompts, parser, calls);
  }

  @Test
  void hangingModelIsCutOffAtTheHardBound() throws Exception {
    CountDownLatch interrupted = new CountDownLatch(1);
    ChatModel hangs =
        new ChatModel() {
          @Override
          public ChatResponse doChat(ChatRequest request) {
            try {
              Thread.sleep(60_000);
            } catch (InterruptedException e) {
              interrupted.countDown();
            }
            throw new IllegalStateException("woke up");
          }
        };
    Duration timeout = Duration.ofMillis(200);
    long start = System.nanoTime();
    assertThatThrownBy(() -> link(hangs, timeout).propose(TestEvents.zigbee()))
        .isInstanceOf(LinkFailure.class)
        .hasMessageStartingWith("timed out after 200ms");
    long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(elapsed).isBetween(200L, timeout.plus(ModelLink.GRACE).toMillis() + 1_000);
    assertThat(interrupted.await(5, TimeUnit.SECONDS)).as("the stuck call is interrupted").isTrue();
  }

  @Test
  void modelSeesSystemPromptAndUserMessage() throws Exception {
    ChatRequest[] seen = new ChatRequest[1];
    ChatModel model =
        new ChatModel() {
          @Override
          public ChatResponse doChat(ChatRequest request) {
            seen[0] = request;
            return ChatResponse.builder()
                .aiMessage(
                    AiMessage.from(
                        "{\"action\":\"notify\",\"reason\":\"r\",\"confidence\":0.3,\"requires_human\":true}"))
                .build();
          }
        };
    ModelAnswer a = link(model, Duration.ofSeconds(5)).propose(TestEvents.zigbee());
    assertThat(a).isEqualTo(new ModelAnswer("notify", "r", 0.3, true, null, "test/model"));
    assertThat(seen[0].messages()).hasSize(2);
    assertThat(seen[0].messages().get(0).toString()).contains("HOMELAB TOPOLOGY");
    assertThat(seen[0].messages().get(1).toString()).contains("chelsty/zigbee2mqtt");
  }

  @Test
  void emptyAnswerFails() {
    ChatModel model =
        new ChatModel() {
          @Override
          public ChatResponse doChat(ChatRequest request) {
            return ChatResponse.builder().aiMessage(AiMessage.from("")).build();
          }
        };
    assertThatThrownBy(() -> link(model, Duration.ofSeconds(5)).propose(TestEvents.zigbee()))
        .isInstanceOf(LinkFailure.class)
        .hasMessage("empty answer");
  }

  @Test
  void exceptionsBecomeShortReasons() {
    ChatModel model =
        new ChatModel() {
          @Override
          public ChatResponse doChat(ChatRequest request) {
            throw new RuntimeException("line one\n   line two " + "z".repeat(1000));
          }
        };
    assertThatThrownBy(() -> link(model, Duration.ofSeconds(5)).propose(TestEvents.zigbee()))
        .isInstanceOf(LinkFailure.class)
        .hasMessageStartingWith("RuntimeException: line one line two zzz")
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400));
  }
}
