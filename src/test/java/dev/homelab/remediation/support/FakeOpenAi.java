package dev.homelab.remediation.support;

import java.time.Instant;

/**
 * A fake OpenAI-compatible server speaking the real wire protocol of {@code POST
 * /v1/chat/completions} (non-streaming): it answers a {@code chat.completion} object whose {@code
 * choices[0].message.content} is the next scripted {@link FakeReply}, with {@code usage}; error
 * replies carry {@code {"error":{"message":..,"type":..}}} with the reply's status.
 *
 * <pre>
 * try (FakeOpenAi openai = new FakeOpenAi()) {
 *   openai.enqueue(FakeReply.status(500), FakeReply.content("{...}"));
 *   String chain = "openai:gpt-4o-mini@" + openai.baseUrl();   // baseUrl() ends in /v1
 *   ...
 *   assertThat(openai.lastRequest().header("Authorization")).isEqualTo("Bearer none");
 * }
 * </pre>
 */
public final class FakeOpenAi extends FakeLlmServer {

  public FakeOpenAi() {
    super("/v1/chat/completions");
  }

  /** {@code http://127.0.0.1:<port>/v1}, as OpenAI clients expect it. */
  @Override
  public String baseUrl() {
    return rootUrl() + "/v1";
  }

  @Override
  protected String successBody(String model, String content, int sequence) {
    return "{\"id\":\"chatcmpl-fake-"
        + sequence
        + "\",\"object\":\"chat.completion\",\"created\":"
        + Instant.now().getEpochSecond()
        + ",\"model\":"
        + quote(model)
        + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
        + quote(content)
        + ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":17,\"total_tokens\":59},"
        + "\"system_fingerprint\":\"fp_fake\"}";
  }

  @Override
  protected String errorBody(int status, String message) {
    String type = status >= 500 ? "server_error" : "invalid_request_error";
    return "{\"error\":{\"message\":"
        + quote(message)
        + ",\"type\":\""
        + type
        + "\",\"param\":null,\"code\":null}}";
  }
}
