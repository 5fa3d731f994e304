package dev.homelab.remediation.llm;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A model behind a LangChain4j {@link ChatModel}. The model has its own HTTP timeout; on top of it,
 * the call runs on a worker thread and the caller waits at most the timeout plus {@link #GRACE}, so
 * a server that hangs (or trickles bytes) cannot hold the caller longer.
 */
final class ModelLink implements ChainLink {

  /** What the hard bound adds to the model's own timeout. */
  static final Duration GRACE = Duration.ofSeconds(1);

  private static final int MAX_REASON_CHARS = 300;

  private final String name;
  private final String endpoint;
  private final ChatModel model;
  private final Duration timeout;
  private final Prompts prompts;
  private final AnswerParser parser;
  private final ExecutorService calls;

  /**
   * @param name the link's name, {@code provider/model}
   * @param endpoint where the model is served, for failure reasons ({@code scheme://host:port})
   */
  ModelLink(
      String name,
      String endpoint,
      ChatModel model,
      Duration timeout,
      Prompts prompts,
      AnswerParser parser,
      ExecutorService calls) {
    this.name = name;
    this.endpoint = endpoint;
    this.model = model;
    this.timeout = timeout;
    this.prompts = prompts;
    this.parser = parser;
    this.calls = calls;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public ModelAnswer propose(ProposalRequest request) throws LinkFailure, InterruptedException {
    ChatRequest chat =
        ChatRequest.builder()
            .messages(
                SystemMessage.from(prompts.systemPrompt()),
                UserMessage.from(prompts.userMessage(request)))
            .build();
    Future<ChatResponse> call = calls.submit(() -> model.chat(chat));
    ChatResponse response;
    try {
      response = call.get(timeout.plus(GRACE).toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new LinkFailure(
          "timed out after " + seconds(timeout) + " (no answer within the hard bound)");
    } catch (InterruptedException e) {
      call.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      throw new LinkFailure(describe(e.getCause()));
    }
    AiMessage message = response == null ? null : response.aiMessage();
    String text = message == null ? null : message.text();
    return parser.parse(text, name);
  }

  /** A short reason for an exception thrown by the model call. */
  private String describe(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof HttpTimeoutException
          || t instanceof dev.langchain4j.exception.TimeoutException
          || t instanceof TimeoutException) {
        return "timed out after " + seconds(timeout);
      }
      if (t instanceof HttpException) {
        HttpException http = (HttpException) t;
        return "HTTP " + http.statusCode() + ": " + oneLine(http.getMessage());
      }
      if (t instanceof ConnectException) {
        return "cannot connect to " + endpoint;
      }
      if (t instanceof UnknownHostException) {
        return "unknown host in " + endpoint;
      }
    }
    return error.getClass().getSimpleName() + ": " + oneLine(error.getMessage());
  }

  private static String oneLine(String s) {
    if (s == null) {
      return "(no message)";
    }
    String line = s.strip().replaceAll("\\s+", " ");
    return line.length() <= MAX_REASON_CHARS ? line : Texts.cut(line, MAX_REASON_CHARS) + "…";
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }
}
