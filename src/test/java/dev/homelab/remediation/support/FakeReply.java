package dev.homelab.remediation.support;

import java.time.Duration;
import java.util.Objects;

/**
 * One scripted answer of a fake LLM server ({@link FakeOllama}, {@link FakeOpenAi}).
 *
 * @param status HTTP status; 200 sends {@code content} as the assistant's message in the provider's
 *     wire format, anything else sends {@code content} as the provider's error message
 * @param content the assistant's text (200) or the error message (other statuses)
 * @param delay how long the server waits before it answers (for timeouts); zero for none
 */
public record FakeReply(int status, String content, Duration delay) {

  public FakeReply {
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(delay, "delay");
  }

  /** 200 with this assistant text, at once. */
  public static FakeReply content(String content) {
    return new FakeReply(200, content, Duration.ZERO);
  }

  /** An error status (e.g. 500) with a generic error message. */
  public static FakeReply status(int status) {
    return new FakeReply(status, "fake server error " + status, Duration.ZERO);
  }

  /** An error status with this error message. */
  public static FakeReply status(int status, String message) {
    return new FakeReply(status, message, Duration.ZERO);
  }

  /** The same reply, sent after {@code delay}. */
  public FakeReply delayed(Duration delay) {
    return new FakeReply(status, content, delay);
  }

  /** A valid proposal as the model would write it, for tests that only need an answer. */
  public static FakeReply proposal(
      String action, double confidence, boolean requiresHuman, String target) {
    return content(
        "{\"action\":\""
            + action
            + "\",\"reason\":\"fake model reason\",\"confidence\":"
            + confidence
            + ",\"requires_human\":"
            + requiresHuman
            + (target == null ? "" : ",\"target\":\"" + target + "\"")
            + "}");
  }
}
