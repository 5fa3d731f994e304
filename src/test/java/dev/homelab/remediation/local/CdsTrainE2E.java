package dev.homelab.remediation.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Dockerfile's training run, on the packaged jar ({@code -Dremediation.e2e.jar}; CDS refuses
 * the class directories of a test classpath): {@code cds-train} starts the operator until it is
 * ready, exits 0 by itself, and the JVM writes an archive that a second JVM maps and takes the
 * operator's start-up classes from (Running, the JOSDK operator, Fabric8's leader elector, Lettuce)
 * and those of its event path (the model's client, the answer's schema, the files).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CdsTrainE2E {
  static final List<String> HEAP = List.of("-Xmx230m", "-XX:+UseSerialGC", "-Xss512k");

  @TempDir Path work;

  @Test
  void trainsWritesAnArchiveAndTheOperatorsClassesComeFromIt() throws Exception {
    String jar = System.getProperty(LocalProcess.JAR_PROPERTY);
    assertThat(jar)
        .as(
            "-D%s=target/remediation-operator.jar (the e2e execution sets it)",
            LocalProcess.JAR_PROPERTY)
        .isNotBlank();
    Path archive = work.resolve("app.jsa");

    List<String> train = new ArrayList<>(HEAP);
    train.addAll(List.of("-Xlog:cds=error", "-XX:ArchiveClassesAtExit=" + archive));
    Result trained = java(jar, train);
    assertThat(trained.exit).as(trained.output).isZero();
    assertThat(trained.output)
        .contains("cds-train: ready as leader after", "two incidents answered and dispatched");
    assertThat(Files.size(archive)).as("archive size").isGreaterThan(10L << 20);

    List<String> use = new ArrayList<>(HEAP);
    // -Xshare:on: the JVM fails to start when the archive cannot be mapped.
    use.addAll(List.of("-Xshare:on", "-XX:SharedArchiveFile=" + archive, "-Xlog:class+load=info"));
    Result used = java(jar, use);
    assertThat(used.exit).as(tail(used.output)).isZero();
    assertThat(used.output)
        .contains(
            "dev.homelab.remediation.runtime.Running source: shared objects file (top)",
            "dev.homelab.remediation.ingest.RedisSubscriber source: shared objects file (top)",
            "io.javaoperatorsdk.operator.Operator source: shared objects file (top)",
            "io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector source: shared"
                + " objects file (top)",
            "dev.homelab.remediation.ingest.RespReader source: shared objects file (top)",
            "io.lettuce.core.RedisURI source: shared objects file (top)",
            // the event path: the model's client, the answer's schema, the files on the node
            "dev.langchain4j.model.ollama.OllamaChatModel source: shared objects file (top)",
            "dev.homelab.remediation.llm.AnswerParser source: shared objects file (top)",
            "dev.homelab.remediation.dispatch.FileDispatcher source: shared objects file (top)");
  }

  record Result(int exit, String output) {}

  Result java(String jar, List<String> flags) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(flags);
    cmd.addAll(List.of("-jar", Path.of(jar).toAbsolutePath().toString(), "cds-train"));
    Path out = Files.createTempFile(work, "cds-train-", ".out");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true);
    LocalProcess.scrub(pb.environment());
    Process p = pb.redirectOutput(out.toFile()).start();
    if (!p.waitFor(150, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("cds-train did not exit by itself:\n" + tail(read(out)));
    }
    return new Result(p.exitValue(), read(out));
  }

  static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  static String tail(String s) {
    return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
  }
}
