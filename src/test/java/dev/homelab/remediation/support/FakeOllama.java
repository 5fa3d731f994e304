package dev.homelab.remediation.support;

import java.time.Instant;

/**
 * A fake Ollama server speaking the real wire protocol of {@code POST /api/chat} (non-streaming):
 * it answers {@code {"model":..,"created_at":..,"message":{"role":"assistant","content":..},
 * "done":true,...}} with the next scripted {@link FakeReply}, and {@code {"error":..}} with the
 * reply's status for error replies.
 *
 * <pre>
 * try (FakeOllama ollama = new FakeOllama()) {
 *   ollama.enqueue(FakeReply.proposal("restart", 0.9, false, "solaria/redis"));
 *   String chain = "ollama:llama3.1:8b@" + ollama.baseUrl();
 *   ...
 *   assertThat(ollama.lastRequest().json().path("format").asText()).isEqualTo("json");
 * }
 * </pre>
 */
public final class FakeOllama extends FakeLlmServer {

  public FakeOllama() {
    super("/api/chat");
  }

  /** {@code http://127.0.0.1:<port>}, as Ollama's base URL (no path). */
  @Override
  public String baseUrl() {
    return rootUrl();
  }

  @Override
  protected String successBody(String model, String content, int sequence) {
    return "{\"model\":"
        + quote(model)
        + ",\"created_at\":"
        + quote(Instant.now().toString())
        + ",\"message\":{\"role\":\"assistant\",\"content\":"
        + quote(content)
        + "},\"done_reason\":\"stop\",\"done\":true,\"total_duration\":1000000,\"load_duration\":1000,"
        + "\"prompt_eval_count\":42,\"prompt_eval_duration\":1000,\"eval_count\":17,\"eval_duration\":1000}";
  }

  @Override
  protected String errorBody(int status, String message) {
    return "{\"error\":" + quote(message) + "}";
  }
}
