package dev.homelab.remediation.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.homelab.remediation.support.ReadOnlyDirs;
import dev.homelab.remediation.support.TestRedis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} that cannot reach the Kubernetes API stops with one line on stderr that names the
 * server and what to check, and exit code 1: no stack trace, no hint at a missing CRD.
 */
class RunStartupIT {

  @Test
  @Timeout(90)
  void anUnreachableApiServerStopsStartUpWithOneLineNamingIt() throws Exception {
    int port = TestRedis.freePort();
    ProcessBuilder pb =
        new ProcessBuilder(dev.homelab.remediation.support.OperatorProcess.command("run"));
    pb.environment().put("LLM_CHAIN", "rules");
    pb.environment().put("HTTP_PORT", "0");
    pb.environment().put("LEADER_ELECTION", "false");
    pb.environment().put("REDIS_URL", "redis://127.0.0.1:1");
    pb.environment().put("KUBECONFIG", "/nonexistent/kubeconfig");
    pb.environment().put("KUBERNETES_MASTER", "http://127.0.0.1:" + port);
    pb.environment().put("KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT", "0");
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    try {
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(err).isEqualTo(1);
      assertThat(err.strip().lines())
          .as(err)
          .singleElement()
          .asString()
          .startsWith("remediation-operator: cannot start: ")
          .contains("the Kubernetes API could not be reached at http://127.0.0.1:" + port + "/")
          .contains("set KUBECONFIG")
          .doesNotContain("CRD");
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * A hostPath the kubelet made (root's, the pod uid 1000): exit 2 at once naming the setting, not
   * an approved proposal retrying its write for ever.
   */
  @Test
  @Timeout(90)
  void aPendingActionsDirectoryItCannotWriteStopsStartUpNamingIt(@TempDir Path tmp)
      throws Exception {
    Path pending = Files.createDirectory(tmp.resolve("pending-actions"));
    assumeTrue(ReadOnlyDirs.makeReadOnly(pending), "cannot make a directory read-only here");
    try {
      Exit exit =
          runUntilExit(
              java.util.Map.of(
                  "PENDING_ACTIONS_DIR",
                  pending.toString(),
                  "EVENTS_DIR",
                  Files.createDirectory(tmp.resolve("events")).toString()));
      assertThat(exit.code()).as(exit.err()).isEqualTo(2);
      assertThat(exit.err().strip())
          .as(exit.err())
          .startsWith("remediation-operator: PENDING_ACTIONS_DIR " + pending + " is not writable")
          .doesNotContain("Kubernetes API");
    } finally {
      ReadOnlyDirs.makeWritable(pending);
    }
  }

  /** A heartbeat file whose directory is missing: exit 2 naming it, not a warning a minute. */
  @Test
  @Timeout(90)
  void aHeartbeatFileItCouldNeverWriteStopsStartUpNamingIt(@TempDir Path tmp) throws Exception {
    Path beat = tmp.resolve("run/remediation/heartbeat");
    Exit exit =
        runUntilExit(
            java.util.Map.of(
                "HEARTBEAT_FILE",
                beat.toString(),
                "PENDING_ACTIONS_DIR",
                tmp.resolve("pending").toString(),
                "EVENTS_DIR",
                tmp.resolve("events").toString()));
    assertThat(exit.code()).as(exit.err()).isEqualTo(2);
    assertThat(exit.err().strip())
        .as(exit.err())
        .isEqualTo(
            "remediation-operator: HEARTBEAT_FILE "
                + beat
                + ": the directory "
                + beat.getParent()
                + " does not exist");
  }

  record Exit(int code, String err) {}

  /** {@code run} with {@code env} and a kubeconfig that is not there, until it exits. */
  static Exit runUntilExit(java.util.Map<String, String> env) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(dev.homelab.remediation.support.OperatorProcess.command("run"));
    pb.environment().put("LLM_CHAIN", "rules");
    pb.environment().put("HTTP_PORT", "0");
    pb.environment().put("KUBECONFIG", "/nonexistent/kubeconfig");
    pb.environment().putAll(env);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    try {
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      return new Exit(p.exitValue(), err);
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
