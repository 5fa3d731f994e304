package dev.homelab.remediation.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/kubectl-remediation, run by sh as kubectl runs a plugin, with a stand-in {@code java} that
 * prints what it was given: it finds the jar and passes every argument through unchanged. (It runs
 * the real jar in LocalModeE2E, after package.)
 */
class KubectlPluginTest {
  static final Path SCRIPT = Path.of("bin/kubectl-remediation").toAbsolutePath();

  @TempDir Path tmp;
  Path fakeJavaHome;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void fakeJava() throws IOException {
    assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs a POSIX sh");
    fakeJavaHome = tmp.resolve("jdk");
    Path java = Files.createDirectories(fakeJavaHome.resolve("bin")).resolve("java");
    Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  Result run(Path script, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(script.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
    pb.environment().remove("REMEDIATION_OPERATOR_JAR");
    pb.environment().put("JAVA_HOME", fakeJavaHome.toString());
    pb.environment().putAll(env);
    Path out = tmp.resolve("out");
    Path err = tmp.resolve("err");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void theScriptIsAnExecutableKubectlPlugin() {
    assertThat(SCRIPT).isRegularFile().isExecutable();
    assertThat(SCRIPT.getFileName().toString()).isEqualTo("kubectl-remediation");
  }

  @Test
  void itRunsJavaJarOnTheGivenJarWithEveryArgumentAsGiven() throws Exception {
    Path jar = Files.createFile(tmp.resolve("remediation-operator.jar"));
    Result r =
        run(
            SCRIPT,
            Map.of("REMEDIATION_OPERATOR_JAR", jar.toString()),
            "approve",
            "zigbee",
            "--by",
            "Alice Smith",
            "-n",
            "homelab");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().lines())
        .containsExactly(
            "-jar", jar.toString(), "approve", "zigbee", "--by", "Alice Smith", "-n", "homelab");
  }

  @Test
  void withoutTheVariableItTakesTheJarOfItsCheckoutEvenThroughASymlink() throws Exception {
    Path link = Files.createDirectories(tmp.resolve("home-bin")).resolve("kubectl-remediation");
    Files.createSymbolicLink(link, SCRIPT);
    Result r = run(link, Map.of(), "list");
    Path expected = SCRIPT.getParent().resolve("../target/remediation-operator.jar");
    if (Files.isRegularFile(expected)) {
      assertThat(r.code()).isZero();
      assertThat(r.out().lines().toList().get(1)).isEqualTo(expected.toString());
    } else {
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err())
          .isEqualTo(
              "kubectl-remediation: no jar at "
                  + expected
                  + "; build it with ./mvnw package, or set REMEDIATION_OPERATOR_JAR\n");
    }
  }

  @Test
  void aMissingJarIsOneClearMessage() throws Exception {
    Result r =
        run(SCRIPT, Map.of("REMEDIATION_OPERATOR_JAR", tmp.resolve("none.jar").toString()), "list");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("kubectl-remediation: no jar at " + tmp.resolve("none.jar"));
  }

  @Test
  void aMissingJavaIsOneClearMessage() throws Exception {
    Path jar = Files.createFile(tmp.resolve("remediation-operator.jar"));
    Result r =
        run(
            SCRIPT,
            Map.of(
                "REMEDIATION_OPERATOR_JAR",
                jar.toString(),
                "JAVA_HOME",
                tmp.resolve("no-jdk").toString()),
            "list");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .isEqualTo(
            "kubectl-remediation: no java at "
                + tmp.resolve("no-jdk/bin/java")
                + "; it needs Java 17 or later on the PATH, or JAVA_HOME set\n");
  }
}
