package dev.homelab.remediation.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.RemediationOperatorApp;
import dev.homelab.remediation.support.TestRedis;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code local} refuses to start, with one line, a non-zero exit code and nothing left running,
 * when a port it needs is taken or its data directory cannot be written. Runs the command in this
 * JVM: every refusal happens before anything is started.
 */
class LocalCommandTest {
  @TempDir Path tmp;

  record Outcome(int exitCode, String out, String err) {}

  Outcome local(Map<String, String> env, String... args) {
    LocalCommand command = new LocalCommand();
    command.env = env;
    CommandLine cl = new CommandLine(command);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Outcome(code, out.toString(), err.toString());
  }

  static ServerSocket occupy(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
    return s;
  }

  static boolean free(int port) {
    try (ServerSocket s = occupy(port)) {
      return s.isBound();
    } catch (IOException e) {
      return false;
    }
  }

  static void assertOneLine(Outcome o, String... fragments) {
    assertThat(o.err().strip().lines()).as(o.toString()).hasSize(1);
    assertThat(o.err()).startsWith("remediation-operator local: ").contains(fragments);
    assertThat(o.err() + o.out()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void refusesWhenTheApiPortIsTaken() throws IOException {
    int api = TestRedis.freePort();
    int redis = TestRedis.freePort();
    try (ServerSocket taken = occupy(api)) {
      assertThat(taken.isBound()).isTrue();
      Outcome o =
          local(
              Map.of(),
              "--api-port",
              "" + api,
              "--redis-port",
              "" + redis,
              "--data-dir",
              tmp.resolve("d").toString());
      assertThat(o.exitCode()).isEqualTo(1);
      assertOneLine(
          o,
          "port " + api + " on 127.0.0.1 is already in use",
          "Kubernetes API",
          "--api-port",
          "LOCAL_API_PORT");
    }
    assertThat(free(redis)).as("nothing started on the Redis port").isTrue();
  }

  @Test
  void refusesWhenTheRedisPortIsTakenBeforeStartingAnything() throws IOException {
    int api = TestRedis.freePort();
    int redis = TestRedis.freePort();
    try (ServerSocket taken = occupy(redis)) {
      assertThat(taken.isBound()).isTrue();
      Outcome o =
          local(
              Map.of("LOCAL_API_PORT", "" + api, "LOCAL_REDIS_PORT", "" + redis),
              "--data-dir",
              tmp.resolve("d").toString());
      assertThat(o.exitCode()).isEqualTo(1);
      assertOneLine(
          o, "port " + redis + " on 127.0.0.1 is already in use", "embedded Redis", "--redis-port");
    }
    assertThat(free(api)).as("the API server was not started").isTrue();
  }

  @Test
  void refusesWhenTheOperationsPortIsTakenBeforeStartingAnything() throws IOException {
    int api = TestRedis.freePort();
    int redis = TestRedis.freePort();
    int http = TestRedis.freePort();
    try (ServerSocket taken = occupy(http)) {
      assertThat(taken.isBound()).isTrue();
      Outcome o =
          local(
              Map.of("LOCAL_API_PORT", "" + api, "LOCAL_REDIS_PORT", "" + redis),
              "--http-port",
              "" + http,
              "--data-dir",
              tmp.resolve("d").toString());
      assertThat(o.exitCode()).isEqualTo(1);
      assertOneLine(
          o,
          "port " + http + " on 127.0.0.1 is already in use",
          "/healthz, /readyz and /metrics",
          "--http-port",
          "HTTP_PORT (0 turns them off)");
    }
    assertThat(free(api)).as("the API server was not started").isTrue();
    assertThat(free(redis)).as("Redis was not started").isTrue();
  }

  @Test
  void refusesWhenTheApprovalLinksPortIsTakenOrSharedBeforeStartingAnything() throws IOException {
    int api = TestRedis.freePort();
    int redis = TestRedis.freePort();
    int links = TestRedis.freePort();
    Map<String, String> env =
        Map.of(
            "LOCAL_API_PORT", "" + api,
            "LOCAL_REDIS_PORT", "" + redis,
            "APPROVAL_LINK_BASE_URL", "https://approve.example",
            "APPROVAL_LINK_SECRET", "0123456789abcdef0123456789abcdef",
            "APPROVAL_PORT", "" + links);
    try (ServerSocket taken = occupy(links)) {
      assertThat(taken.isBound()).isTrue();
      Outcome o = local(env, "--http-port", "0", "--data-dir", tmp.resolve("d").toString());
      assertThat(o.exitCode()).isEqualTo(1);
      assertOneLine(
          o,
          "port " + links + " on 127.0.0.1 is already in use",
          "approval links",
          "APPROVAL_PORT");
    }
    assertThat(free(api)).as("the API server was not started").isTrue();
    assertThat(free(redis)).as("Redis was not started").isTrue();

    Map<String, String> same = new java.util.HashMap<>(env);
    same.put("APPROVAL_PORT", "" + api);
    Outcome o = local(same, "--http-port", "0", "--data-dir", tmp.resolve("e").toString());
    assertThat(o.exitCode()).isEqualTo(2);
    assertOneLine(o, "invalid setting APPROVAL_PORT: must differ from LOCAL_API_PORT");
    assertThat(free(api)).isTrue();
  }

  @Test
  void refusesWhenLocalDataCannotBeCreatedInsideAFile() throws IOException {
    // A path under a regular file cannot be a directory, whoever runs the test (root included).
    Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
    Path dir = file.resolve("local-data");
    int api = TestRedis.freePort();
    Outcome o =
        local(
            Map.of("LOCAL_DATA_DIR", dir.toString()),
            "--api-port",
            "" + api,
            "--redis-port",
            "" + TestRedis.freePort());
    assertThat(o.exitCode()).isEqualTo(1);
    assertOneLine(o, "the local-mode data directory " + dir, "cannot be created", "--data-dir");
    assertThat(free(api)).isTrue();
  }

  /** As in `run`: a heartbeat that could never be written stops start-up, naming the setting. */
  @Test
  void refusesAHeartbeatFileItCouldNeverWriteAndTakesTheLogFlags() {
    Path beat = tmp.resolve("no-such-dir/heartbeat");
    int api = TestRedis.freePort();
    int redis = TestRedis.freePort();
    try {
      Outcome o =
          local(
              Map.of("HEARTBEAT_FILE", beat.toString()),
              "--log-level",
              "debug",
              "--data-dir",
              tmp.resolve("d").toString(),
              "--api-port",
              "" + api,
              "--redis-port",
              "" + redis);
      assertThat(o.exitCode()).isEqualTo(2);
      assertOneLine(o, "HEARTBEAT_FILE " + beat + ": the directory", "does not exist");
      assertThat(free(api)).isTrue();
      assertThat(free(redis)).isTrue();
      assertThat(System.getProperty("LOG_LEVEL")).as("--log-level applied").isEqualTo("DEBUG");
    } finally {
      SettingFlags.applyLogging("text", "info");
    }
  }

  @Test
  void refusesWhenLocalDataIsAFile() throws IOException {
    Path file = Files.writeString(tmp.resolve("local-data"), "not a directory");
    Outcome o =
        local(
            Map.of(),
            "--data-dir",
            file.toString(),
            "--api-port",
            "" + TestRedis.freePort(),
            "--redis-port",
            "" + TestRedis.freePort());
    assertThat(o.exitCode()).isEqualTo(1);
    assertOneLine(o, file.toString(), "exists and is not a directory");
  }

  @Test
  void refusesWhenAFileDirectoryIsNotWritable() throws IOException {
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    Outcome o =
        local(
            Map.of("EVENTS_DIR", file.resolve("events").toString()),
            "--data-dir",
            tmp.resolve("d").toString(),
            "--api-port",
            "" + TestRedis.freePort(),
            "--redis-port",
            "" + TestRedis.freePort());
    assertThat(o.exitCode()).isEqualTo(1);
    assertOneLine(o, "EVENTS_DIR", "set EVENTS_DIR to a directory you can write to");
  }

  @Test
  void invalidSettingsStopStartUpWithExitCode2() {
    Outcome port = local(Map.of("LOCAL_API_PORT", "sixty"), "--data-dir", tmp.toString());
    assertThat(port.exitCode()).isEqualTo(2);
    assertOneLine(port, "invalid setting LOCAL_API_PORT: must be a port number, got 'sixty'");

    Outcome same =
        local(Map.of(), "--api-port", "7000", "--redis-port", "7000", "--data-dir", tmp.toString());
    assertThat(same.exitCode()).isEqualTo(2);
    assertOneLine(same, "LOCAL_REDIS_PORT", "must differ");

    Outcome cooldown = local(Map.of(), "--cooldown-seconds", "soon", "--data-dir", tmp.toString());
    assertThat(cooldown.exitCode()).isEqualTo(2);
    assertOneLine(cooldown, "invalid setting COOLDOWN_SECONDS");

    Outcome chain = local(Map.of("LLM_CHAIN", "gemini:pro"), "--data-dir", tmp.toString());
    assertThat(chain.exitCode()).isEqualTo(2);
    assertOneLine(chain, "LLM_CHAIN");
  }

  @Test
  void isASubcommandWithTheOperatorsSettingFlags() {
    CommandLine local = RemediationOperatorApp.commandLine().getSubcommands().get("local");
    assertThat(local).isNotNull();
    assertThat(local.getCommandSpec().findOption("--llm-chain")).isNotNull();
    assertThat(local.getCommandSpec().findOption("--api-port")).isNotNull();
    assertThat(local.getCommandSpec().findOption("--http-port")).isNotNull();
    assertThat(local.getCommandSpec().findOption("--fresh")).isNotNull();
    assertThat(RemediationOperatorApp.commandLine().getSubcommands()).containsKey("publish");
  }
}
