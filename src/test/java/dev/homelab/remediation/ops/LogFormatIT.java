package dev.homelab.remediation.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** LOG_FORMAT=json gives one JSON object per line, with the structured key-values. */
class LogFormatIT {

  @Test
  @Timeout(60)
  void jsonLogsAreOneObjectPerLine() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(dev.homelab.remediation.support.OperatorProcess.command("run"));
    pb.environment().put("LOG_FORMAT", "JSON"); // case-folded, as every setting
    pb.environment().put("LLM_CHAIN", "rules");
    pb.environment().put("HTTP_PORT", "0");
    pb.environment().put("LEADER_ELECTION", "false");
    pb.environment().put("REDIS_URL", "redis://127.0.0.1:1");
    pb.environment().put("KUBECONFIG", "/nonexistent/kubeconfig");
    pb.environment().put("KUBERNETES_MASTER", "http://127.0.0.1:1");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line = out.readLine();
      assertThat(line).as("first log line").isNotNull();
      JsonNode json = new ObjectMapper().readTree(line);
      // Flat, as log collectors read it: an RFC 3339 time, each key-value a field of its own.
      assertThat(java.time.Instant.parse(json.get("time").asText()))
          .isBetween(
              java.time.Instant.now().minusSeconds(60), java.time.Instant.now().plusSeconds(1));
      assertThat(json.get("level").asText()).isEqualTo("INFO");
      assertThat(json.get("logger").asText()).startsWith("dev.homelab.remediation");
      assertThat(json.get("thread").asText()).isNotBlank();
      assertThat(json.get("message").asText()).isEqualTo("model chain ready");
      assertThat(json.get("models").asText()).isEqualTo("[rules]");
      // Every line is one object; one with an exception carries it as a string.
      for (String next = out.readLine(); next != null; next = out.readLine()) {
        JsonNode n = new ObjectMapper().readTree(next);
        assertThat(n.isObject()).as(next).isTrue();
        assertThat(n.has("kvpList")).isFalse();
        if (n.has("error")) {
          assertThat(n.get("error").asText()).contains("Exception");
          break;
        }
      }
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
