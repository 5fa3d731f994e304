package dev.homelab.remediation.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release workflow (.github/workflows/release.yml) can only run on GitHub: this test parses it
 * and checks what makes it right: it runs on version tags only, may push packages, runs the test
 * command and README's image build, pushes both platforms to ghcr.io, and its version step (run
 * here with bash) accepts the chart's appVersion and refuses any other tag.
 */
class ReleaseWorkflowTest {
  static final Path WORKFLOW = Path.of(".github/workflows/release.yml");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static JsonNode workflow;
  static List<JsonNode> steps;

  @BeforeAll
  static void parse() throws IOException {
    workflow = YAML.readTree(WORKFLOW.toFile());
    JsonNode jobs = workflow.path("jobs");
    assertThat(jobs.size()).as("one job").isEqualTo(1);
    steps = new ArrayList<>();
    jobs.elements().next().path("steps").forEach(steps::add);
    assertThat(steps).isNotEmpty();
  }

  @Test
  void runsOnVersionTagsOnly() {
    JsonNode on = workflow.path("on");
    assertThat(on.isObject()).as("`on:` parsed as a key, not as the boolean true").isTrue();
    assertThat(fieldNames(on)).containsExactly("push");
    assertThat(fieldNames(on.path("push"))).containsExactly("tags");
    assertThat(on.path("push").path("tags")).extracting(JsonNode::asText).containsExactly("v*");
  }

  @Test
  void mayPushPackagesAndCreateTheRelease() {
    assertThat(workflow.path("permissions").path("packages").asText()).isEqualTo("write");
    assertThat(workflow.path("permissions").path("contents").asText()).isEqualTo("write");
    assertThat(fieldNames(workflow.path("permissions")))
        .containsExactlyInAnyOrder("packages", "contents");
  }

  @Test
  void testsWithTheCommandOfCiThenBuildsWithReadmesImageCommand() throws IOException {
    String ci = Files.readString(Path.of(".ci/run"));
    assertThat(ci).contains("exec ./mvnw -B verify");
    assertThat(runs()).contains("./mvnw -B verify");

    String readmeImage = readmeImageCommand();
    JsonNode build = stepRunning("jib:build");
    assertThat(build.path("run").asText().strip())
        .as("the push step runs README's image build, plus jib:build")
        .startsWith(readmeImage + " jib:build")
        .contains("-Dimage.repository=\"$IMAGE_REPOSITORY\"")
        .contains("-Dimage.tag=\"$VERSION\"")
        .doesNotContain("jib.from.platforms", "jib.to.image");
    assertThat(steps.indexOf(build))
        .as("tests first")
        .isGreaterThan(steps.indexOf(stepRunning("./mvnw -B verify")));
  }

  @Test
  void pushesBothPlatformsToGhcrAndAttachesOneTarballEach() {
    // Both platforms come from pom.xml (JibConfigTest): the workflow must not narrow them.
    JsonNode build = stepRunning("jib:build");
    assertThat(build.path("name").asText()).contains("linux/amd64", "linux/arm64");
    JsonNode job = workflow.path("jobs").elements().next();
    assertThat(job.path("runs-on").asText()).isEqualTo("ubuntu-latest");
    assertThat(job.path("env").path("REGISTRY").asText()).isEqualTo("ghcr.io");
    assertThat(stepRunning("docker login").path("run").asText())
        .contains("docker login \"$REGISTRY\"")
        .contains("--password-stdin");
    assertThat(stepRunning("gh release").path("run").asText())
        .contains("target/jib/remediation-operator-$VERSION-amd64.tar")
        .contains("target/jib/remediation-operator-$VERSION-arm64.tar");
  }

  @Test
  void secretsReachScriptsOnlyThroughTheEnvironment() {
    assertThat(steps).allSatisfy(s -> assertThat(s.path("run").asText()).doesNotContain("${{"));
    assertThat(steps)
        .filteredOn(s -> s.has("uses"))
        .allSatisfy(s -> assertThat(s.path("uses").asText()).matches("actions/[a-z-]+@v\\d+"));
  }

  @Test
  void versionStepAcceptsTheChartsAppVersionAndRefusesAnyOtherTag(@TempDir Path dir)
      throws Exception {
    String script = stepRunning("GITHUB_REF_NAME#v").path("run").asText();
    Path env = dir.resolve("github-env");

    Result ok = bash(script, Map.of("GITHUB_REF_NAME", "v0.1.0", "GITHUB_ENV", env.toString()));
    assertThat(ok.exit()).as(ok.output()).isZero();
    assertThat(Files.readAllLines(env))
        .containsExactly(
            "VERSION=0.1.0", "IMAGE_REPOSITORY=ghcr.io/my-homelab/remediation-operator");

    Result wrong =
        bash(
            script,
            Map.of("GITHUB_REF_NAME", "v9.9.9", "GITHUB_ENV", dir.resolve("other").toString()));
    assertThat(wrong.exit()).isEqualTo(1);
    assertThat(wrong.output()).contains("does not match the chart's appVersion 0.1.0");
  }

  // ---- helpers

  record Result(int exit, String output) {}

  static Result bash(String script, Map<String, String> env) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("bash", "-e", "-o", "pipefail", "-c", script).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.environment().put("GITHUB_REPOSITORY_OWNER", "My-Homelab");
    pb.environment().put("REGISTRY", "ghcr.io");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  /** README's command that builds the image tarballs (the line with -Pimage). */
  static String readmeImageCommand() throws IOException {
    List<String> found =
        Files.readAllLines(Path.of("README.md")).stream()
            .map(String::strip)
            .filter(l -> l.startsWith("./mvnw ") && l.contains("-Pimage"))
            .distinct()
            .toList();
    assertThat(found)
        .as("README's image command")
        .containsExactly("./mvnw -B -Pimage -DskipTests package");
    return found.get(0);
  }

  static List<String> runs() {
    return steps.stream()
        .filter(s -> s.has("run"))
        .map(s -> s.path("run").asText().strip())
        .toList();
  }

  static JsonNode stepRunning(String fragment) {
    List<JsonNode> found =
        steps.stream().filter(s -> s.path("run").asText().contains(fragment)).toList();
    assertThat(found).as("one step running `%s`", fragment).hasSize(1);
    return found.get(0);
  }

  static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
