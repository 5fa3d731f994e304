package dev.homelab.remediation.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.homelab.remediation.support.OperatorProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Text checks of the Dockerfile (there is no Docker engine to build it here): multi-stage, a
 * non-root numeric user, the jar the build makes, the JVM flags for a small node.
 */
class DockerfileTest {
  static final Path DOCKERFILE = Path.of("Dockerfile");
  static final ObjectMapper JSON = new ObjectMapper();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** One instruction: its keyword (upper case) and its arguments, continuation lines joined. */
  record Instruction(String keyword, String args) {}

  static List<Instruction> all;
  static List<Instruction> runtime;

  @BeforeAll
  static void parse() throws IOException {
    all = instructions(Files.readString(DOCKERFILE));
    int lastFrom = -1;
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).keyword().equals("FROM")) {
        lastFrom = i;
      }
    }
    assertThat(lastFrom).as("a FROM instruction").isGreaterThanOrEqualTo(0);
    runtime = all.subList(lastFrom, all.size());
  }

  static List<Instruction> instructions(String text) {
    List<Instruction> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      String l = line.strip();
      if (current.length() == 0 && (l.isEmpty() || l.startsWith("#"))) {
        continue;
      }
      if (l.startsWith("#")) {
        continue; // a comment inside a continued instruction
      }
      if (l.endsWith("\\")) {
        current.append(l, 0, l.length() - 1).append(' ');
        continue;
      }
      current.append(l);
      String[] parts = current.toString().strip().split("\\s+", 2);
      out.add(new Instruction(parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : ""));
      current.setLength(0);
    }
    return out;
  }

  static List<Instruction> in(List<Instruction> list, String keyword) {
    return list.stream().filter(i -> i.keyword().equals(keyword)).toList();
  }

  static Instruction last(List<Instruction> list, String keyword) {
    List<Instruction> found = in(list, keyword);
    assertThat(found).as("%s instruction", keyword).isNotEmpty();
    return found.get(found.size() - 1);
  }

  static List<String> execForm(Instruction i) throws IOException {
    assertThat(i.args()).as("%s in exec (JSON array) form", i.keyword()).startsWith("[");
    return JSON.readValue(i.args(), new TypeReference<>() {});
  }

  @Test
  void multiStageBuildWithTheWrapperAndAJreRuntime() {
    List<Instruction> froms = in(all, "FROM");
    assertThat(froms).hasSizeGreaterThanOrEqualTo(2);
    Matcher build =
        Pattern.compile("(\\S+)\\s+AS\\s+(\\S+)", Pattern.CASE_INSENSITIVE)
            .matcher(froms.get(0).args());
    assertThat(build.matches()).as("first stage is named: %s", froms.get(0).args()).isTrue();
    assertThat(build.group(1))
        .matches("(maven:3\\.9-eclipse-temurin-17|eclipse-temurin:17-jdk)(-.*)?");
    assertThat(froms.get(froms.size() - 1).args()).matches("eclipse-temurin:17-jre(-alpine)?");
    assertThat(in(all, "RUN"))
        .anySatisfy(r -> assertThat(r.args()).contains("-B -DskipTests package"));
    assertThat(in(runtime, "COPY"))
        .anySatisfy(c -> assertThat(c.args()).startsWith("--from=" + build.group(2) + " "));
    assertThat(in(runtime, "RUN")).as("the runtime stage installs nothing").isEmpty();
  }

  @Test
  void copiesTheJarTheBuildMakes() throws IOException {
    Matcher finalName =
        Pattern.compile("<finalName>([^<]+)</finalName>")
            .matcher(Files.readString(Path.of("pom.xml")));
    assertThat(finalName.find()).isTrue();
    String jar = "/app/" + finalName.group(1) + ".jar";
    assertThat(last(runtime, "WORKDIR").args()).isEqualTo("/app");
    assertThat(in(runtime, "COPY"))
        .anySatisfy(
            c -> assertThat(c.args()).endsWith("target/" + finalName.group(1) + ".jar " + jar));
    List<String> entrypoint = execForm(last(runtime, "ENTRYPOINT"));
    assertThat(entrypoint.get(0)).isEqualTo("java");
    assertThat(entrypoint.subList(entrypoint.size() - 2, entrypoint.size()))
        .containsExactly("-jar", jar);
    assertThat(execForm(last(runtime, "CMD"))).containsExactly("run");
    assertThat(last(runtime, "EXPOSE").args()).isEqualTo("8080");
  }

  @Test
  void jvmFlagsForASmallContainer() throws IOException {
    List<String> entrypoint = execForm(last(runtime, "ENTRYPOINT"));
    int jar = entrypoint.indexOf("-jar");
    assertThat(entrypoint.subList(1, jar))
        .contains(
            "-XX:MaxRAMPercentage=60",
            "-XX:InitialRAMPercentage=12.5",
            "-XX:MinHeapSize=48m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Xss512k",
            "-XX:MetaspaceSize=64m",
            "-XX:MaxMetaspaceSize=128m",
            "-XX:ReservedCodeCacheSize=32m",
            "-XX:MaxDirectMemorySize=32m",
            "-XX:MinHeapFreeRatio=20",
            "-XX:MaxHeapFreeRatio=40",
            "-XX:+ExitOnOutOfMemoryError")
        .noneMatch(f -> f.startsWith("-Xmx") || f.startsWith("-Xms"));
    assertThat(in(runtime, "ENV"))
        .extracting(Instruction::args)
        .as("glibc malloc arenas bounded")
        .contains("MALLOC_ARENA_MAX=2");
  }

  /**
   * The tests and benchmarks that run the operator as a process (OperatorProcess) use the image's
   * flags, with the heap the chart's 384Mi limit derives: 60 % of it is -Xmx230m, and 12.5 % (the
   * initial heap) and the minimum, 48m, are what -Xms48m sets. Only the archive is left out.
   */
  @Test
  void operatorProcessRunsWithTheImagesFlags() throws IOException {
    assumeTrue(System.getProperty("operator.jvmFlags") == null, "flags overridden to compare");
    List<String> entrypoint = execForm(last(runtime, "ENTRYPOINT"));
    List<String> image = new ArrayList<>(entrypoint.subList(1, entrypoint.indexOf("-jar")));
    image.removeIf(f -> f.startsWith("-XX:SharedArchiveFile="));
    assertThat(384 * 60 / 100).isEqualTo(230);
    assertThat(image.remove("-XX:MaxRAMPercentage=60")).isTrue();
    image.add("-Xmx230m");
    assertThat(384 * 125 / 1000).isEqualTo(48);
    assertThat(image.remove("-XX:InitialRAMPercentage=12.5")).isTrue();
    assertThat(image.remove("-XX:MinHeapSize=48m")).isTrue();
    image.add("-Xms48m");
    assertThat(OperatorProcess.JVM_FLAGS).containsExactlyInAnyOrderElementsOf(image);
  }

  /** The stage named {@code name}: its FROM and what follows up to the next FROM. */
  static List<Instruction> stage(String name) {
    List<Instruction> out = null;
    for (Instruction i : all) {
      if (i.keyword().equals("FROM")) {
        if (out != null) {
          return out;
        }
        if (i.args().toLowerCase(Locale.ROOT).endsWith(" as " + name)) {
          out = new ArrayList<>();
        }
      }
      if (out != null) {
        out.add(i);
      }
    }
    assertThat(out).as("a stage named %s", name).isNotNull();
    return out;
  }

  @Test
  void classDataArchiveMadeByTheRuntimeJvmFromTheSameJarAndUsed() throws IOException {
    List<Instruction> cds = stage("cds");
    assertThat(cds.get(0).args())
        .as("the archive is made by the runtime stage's JVM build")
        .isEqualTo(last(runtime, "FROM").args() + " AS cds");
    String jarCopy =
        "--from=build /src/target/remediation-operator.jar /app/remediation-operator.jar";
    assertThat(in(cds, "COPY")).extracting(Instruction::args).contains(jarCopy);
    assertThat(in(runtime, "COPY"))
        .extracting(Instruction::args)
        .as("the runtime has the very jar the archive was made with")
        .contains(jarCopy, "--from=cds /app/app.jsa /app/app.jsa");
    String train = last(cds, "RUN").args();
    assertThat(train)
        .contains("-XX:ArchiveClassesAtExit=/app/app.jsa")
        .contains("-jar /app/remediation-operator.jar cds-train")
        .contains("-XX:+UseSerialGC")
        .containsPattern("-Xmx\\d+m") // compressed oops on, as in the pod
        .contains("test -s /app/app.jsa");
    assertThat(dev.homelab.remediation.RemediationOperatorApp.commandLine().getSubcommands())
        .containsKey("cds-train");
    List<String> entrypoint = execForm(last(runtime, "ENTRYPOINT"));
    assertThat(entrypoint.subList(1, entrypoint.indexOf("-jar")))
        .containsOnlyOnce("-XX:SharedArchiveFile=/app/app.jsa");
  }

  @Test
  void runsAsTheNumericNonRootUserTheChartExpects() throws IOException {
    Instruction user = last(all, "USER");
    assertThat(runtime).as("USER is set in the runtime stage").contains(user);
    assertThat(runtime.indexOf(user))
        .as("USER comes before ENTRYPOINT")
        .isLessThan(runtime.indexOf(last(runtime, "ENTRYPOINT")));
    Matcher m = Pattern.compile("(\\d+)(?::(\\d+))?").matcher(user.args());
    assertThat(m.matches())
        .as("numeric USER (so runAsNonRoot can check it): %s", user.args())
        .isTrue();
    long uid = Long.parseLong(m.group(1));
    assertThat(uid).isPositive();
    Map<String, Object> values =
        YAML.readValue(
            RenderedChart.CHART.resolve("values.yaml").toFile(), new TypeReference<>() {});
    @SuppressWarnings("unchecked")
    Map<String, Object> sc = (Map<String, Object>) values.get("securityContext");
    assertThat(((Number) sc.get("runAsUser")).longValue()).as("chart runAsUser").isEqualTo(uid);
    if (m.group(2) != null) {
      assertThat(((Number) sc.get("runAsGroup")).longValue())
          .as("chart runAsGroup")
          .isEqualTo(Long.parseLong(m.group(2)));
    }
  }

  @Test
  void dockerignoreKeepsBuildOutputAndLocalDataOutButNotTheSources() throws IOException {
    List<String> patterns =
        Files.readAllLines(Path.of(".dockerignore")).stream()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .toList();
    assertThat(patterns).contains("target/", "local-data/", ".git");
    assertThat(patterns)
        .noneMatch(p -> p.startsWith("!"))
        .doesNotContain("*", "src", "src/", "pom.xml", "mvnw", ".mvn", ".mvn/");
  }
}
