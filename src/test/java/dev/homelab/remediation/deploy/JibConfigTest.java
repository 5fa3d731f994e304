package dev.homelab.remediation.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.homelab.remediation.deploy.DockerfileTest.Instruction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The Jib image (pom.xml) and the Dockerfile's runtime stage promise the same container: user, JVM
 * flags, program arguments, port, working directory, base image, labels and platforms. Neither can
 * be built here (no Docker engine, no base image pull), so this test reads both and fails when they
 * drift apart; it also keeps Jib out of the default build and the image name equal to the chart's.
 */
class JibConfigTest {
  static final Path POM = Path.of("pom.xml");
  static final String JIB = "jib-maven-plugin";
  static final List<String> PLATFORMS = List.of("linux/amd64", "linux/arm64");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static Element project;
  static Map<String, String> properties;
  static Element jib;
  static List<Instruction> runtime;

  @BeforeAll
  static void read() throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    project = f.newDocumentBuilder().parse(POM.toFile()).getDocumentElement();
    properties = new LinkedHashMap<>();
    for (Element p : children(child(project, "properties").orElseThrow())) {
      properties.put(p.getTagName(), p.getTextContent().strip());
    }
    Element build = child(project, "build").orElseThrow();
    properties.put("project.build.directory", "target");
    properties.put("project.build.finalName", text(build, "finalName"));
    List<Element> jibs =
        children(child(build, "plugins").orElseThrow()).stream()
            .filter(p -> JIB.equals(text(p, "artifactId")))
            .toList();
    assertThat(jibs).as("%s in build/plugins", JIB).hasSize(1);
    jib = jibs.get(0);
    DockerfileTest.parse();
    runtime = DockerfileTest.runtime;
  }

  @Test
  void pinnedAndNeverRunByTheDefaultBuild() {
    assertThat(text(jib, "groupId")).isEqualTo("com.google.cloud.tools");
    assertThat(text(jib, "version")).isEqualTo("${jib-plugin.version}");
    assertThat(properties.get("jib-plugin.version")).matches("\\d+\\.\\d+\\.\\d+");
    assertThat(child(jib, "executions"))
        .as("no Jib execution in the default build: `./mvnw -B verify` must not pull images")
        .isEmpty();
    assertThat(imageProfileExecutions())
        .allSatisfy(
            e -> {
              assertThat(text(e, "phase")).isEqualTo("package");
              assertThat(children(child(e, "goals").orElseThrow()))
                  .extracting(Node::getTextContent)
                  .containsExactly("buildTar");
            });
  }

  @Test
  void sameUserAsTheDockerfileAndTheChart() throws IOException {
    String user = container("user");
    assertThat(user).isEqualTo(DockerfileTest.last(runtime, "USER").args());
    Matcher m = Pattern.compile("(\\d+):(\\d+)").matcher(user);
    assertThat(m.matches()).as("numeric uid:gid, so runAsNonRoot can check it: %s", user).isTrue();
    Map<String, Object> sc = chartSecurityContext();
    assertThat(String.valueOf(sc.get("runAsUser"))).isEqualTo(m.group(1));
    assertThat(String.valueOf(sc.get("runAsGroup"))).isEqualTo(m.group(2));
  }

  @Test
  void sameJvmFlagsMainClassAndArguments() throws IOException {
    List<String> entrypoint = DockerfileTest.execForm(DockerfileTest.last(runtime, "ENTRYPOINT"));
    int jar = entrypoint.indexOf("-jar");
    assertThat(jar).as("the Dockerfile runs the shaded jar").isPositive();
    List<String> dockerfileFlags = entrypoint.subList(1, jar);
    List<String> archive =
        dockerfileFlags.stream().filter(f -> f.startsWith("-XX:SharedArchiveFile=")).toList();
    assertThat(archive).as("the Dockerfile's image has a class-data archive").hasSize(1);
    // Jib runs no JVM at build time: no archive to ship, and a SharedArchiveFile that does not
    // exist would turn off the JDK's own one too. Every other flag is the same, in order.
    assertThat(list(containerElement(), "jvmFlags"))
        .as("Jib's jvmFlags, in the Dockerfile's order, without the archive")
        .containsExactlyElementsOf(
            dockerfileFlags.stream().filter(f -> !archive.contains(f)).toList());
    // The shaded jar's manifest names ${main.class}: java -jar runs the same class Jib starts.
    assertThat(text(containerElement(), "mainClass")).isEqualTo("${main.class}");
    assertThat(resolve("${main.class}"))
        .isEqualTo("dev.homelab.remediation.RemediationOperatorApp");
    assertThat(child(containerElement(), "entrypoint"))
        .as("Jib's own entrypoint, so jvmFlags apply")
        .isEmpty();
    assertThat(list(containerElement(), "args"))
        .containsExactlyElementsOf(DockerfileTest.execForm(DockerfileTest.last(runtime, "CMD")));
  }

  @Test
  void sameEnvironmentAsTheDockerfile() {
    Map<String, String> env = new LinkedHashMap<>();
    for (Element e : children(child(containerElement(), "environment").orElseThrow())) {
      env.put(e.getTagName(), resolve(e.getTextContent().strip()));
    }
    Map<String, String> dockerfile = new LinkedHashMap<>();
    for (Instruction i : DockerfileTest.in(runtime, "ENV")) {
      String[] kv = i.args().split("=", 2);
      dockerfile.put(kv[0], kv[1]);
    }
    assertThat(dockerfile).isNotEmpty();
    assertThat(env).isEqualTo(dockerfile);
  }

  @Test
  void samePortWorkingDirectoryAndLabels() {
    assertThat(list(containerElement(), "ports"))
        .containsExactly(DockerfileTest.last(runtime, "EXPOSE").args());
    assertThat(container("workingDirectory"))
        .isEqualTo(DockerfileTest.last(runtime, "WORKDIR").args());
    Map<String, String> labels = new LinkedHashMap<>();
    for (Element l : children(child(containerElement(), "labels").orElseThrow())) {
      labels.put(l.getTagName(), resolve(l.getTextContent().strip()));
    }
    assertThat(labels).containsAllEntriesOf(dockerfileLabels());
    assertThat(container("format")).isEqualTo("OCI");
  }

  @Test
  void sameBaseImageFamilyAsTheDockerfileRuntimeStage() {
    String base = resolve(text(child(configuration(), "from").orElseThrow(), "image"));
    String dockerfileBase = DockerfileTest.last(runtime, "FROM").args();
    assertThat(base).isEqualTo(dockerfileBase);
    assertThat(base)
        .as("a JRE of the Java release the build compiles for")
        .matches("eclipse-temurin:" + properties.get("maven.compiler.release") + "-jre.*");
  }

  @Test
  void bothPlatformsForTheRegistryAndOneTarballPerPlatform() throws IOException {
    assertThat(platforms(child(configuration(), "from").orElseThrow()))
        .as("jib:build pushes one multi-platform image")
        .containsExactlyElementsOf(PLATFORMS);
    List<String> perExecution = new ArrayList<>();
    List<String> tars = new ArrayList<>();
    for (Element e : imageProfileExecutions()) {
      Element config = child(e, "configuration").orElseThrow();
      Element platforms =
          child(child(config, "from").orElseThrow(), "platforms").orElseThrow(AssertionError::new);
      assertThat(platforms.getAttribute("combine.self"))
          .as("the execution replaces the plugin's two platforms (Jib writes one per tar)")
          .isEqualTo("override");
      List<String> own = platforms(child(config, "from").orElseThrow());
      assertThat(own).hasSize(1);
      String tar = resolve(text(child(config, "outputPaths").orElseThrow(), "tar"));
      assertThat(tar)
          .startsWith("target/jib/remediation-operator-" + properties.get("image.tag"))
          .endsWith("-" + own.get(0).substring("linux/".length()) + ".tar");
      perExecution.addAll(own);
      tars.add(tar);
    }
    assertThat(perExecution).containsExactlyInAnyOrderElementsOf(PLATFORMS);
    assertThat(tars).doesNotHaveDuplicates();
    assertThat(Files.readString(DockerfileTest.DOCKERFILE))
        .as("the Dockerfile's buildx line names the same platforms")
        .contains("--platform " + String.join(",", PLATFORMS));
  }

  @Test
  void imageNameIsTheChartsDefault() throws IOException {
    assertThat(text(child(configuration(), "to").orElseThrow(), "image"))
        .isEqualTo("${image.repository}:${image.tag}");
    Map<String, Object> values =
        YAML.readValue(
            RenderedChart.CHART.resolve("values.yaml").toFile(), new TypeReference<>() {});
    @SuppressWarnings("unchecked")
    Map<String, Object> image = (Map<String, Object>) values.get("image");
    assertThat(properties.get("image.repository")).isEqualTo(image.get("repository"));
    Map<String, Object> chart =
        YAML.readValue(
            RenderedChart.CHART.resolve("Chart.yaml").toFile(), new TypeReference<>() {});
    assertThat(properties.get("image.tag"))
        .as("the chart's appVersion, its default image tag")
        .isEqualTo(String.valueOf(chart.get("appVersion")));
  }

  // ---- helpers

  static Map<String, Object> chartSecurityContext() throws IOException {
    Map<String, Object> values =
        YAML.readValue(
            RenderedChart.CHART.resolve("values.yaml").toFile(), new TypeReference<>() {});
    @SuppressWarnings("unchecked")
    Map<String, Object> sc = (Map<String, Object>) values.get("securityContext");
    return sc;
  }

  /** LABEL key="value" pairs of the Dockerfile's runtime stage. */
  static Map<String, String> dockerfileLabels() {
    Map<String, String> labels = new LinkedHashMap<>();
    Matcher m =
        Pattern.compile("([\\w.-]+)=\"([^\"]*)\"")
            .matcher(DockerfileTest.last(runtime, "LABEL").args());
    while (m.find()) {
      labels.put(m.group(1), m.group(2));
    }
    assertThat(labels).isNotEmpty();
    return labels;
  }

  static List<Element> imageProfileExecutions() {
    Element profile =
        children(child(project, "profiles").orElseThrow()).stream()
            .filter(p -> "image".equals(text(p, "id")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no profile 'image' in pom.xml"));
    Element plugins =
        child(child(profile, "build").orElseThrow(), "plugins").orElseThrow(AssertionError::new);
    Element plugin =
        children(plugins).stream()
            .filter(p -> JIB.equals(text(p, "artifactId")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the image profile does not run Jib"));
    List<Element> executions = children(child(plugin, "executions").orElseThrow());
    assertThat(executions).isNotEmpty();
    return executions;
  }

  static List<String> platforms(Element from) {
    return children(child(from, "platforms").orElseThrow()).stream()
        .map(p -> text(p, "os") + "/" + text(p, "architecture"))
        .toList();
  }

  static Element configuration() {
    return child(jib, "configuration").orElseThrow();
  }

  static Element containerElement() {
    return child(configuration(), "container").orElseThrow();
  }

  static String container(String name) {
    return resolve(text(containerElement(), name));
  }

  static List<String> list(Element parent, String name) {
    return children(child(parent, name).orElseThrow(() -> new AssertionError("no " + name)))
        .stream()
        .map(e -> resolve(e.getTextContent().strip()))
        .toList();
  }

  /** Replaces ${property} by its value from pom.xml's properties. */
  static String resolve(String value) {
    Matcher m = Pattern.compile("\\$\\{([^}]+)}").matcher(value);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String v = properties.get(m.group(1));
      assertThat(v).as("property %s", m.group(1)).isNotNull();
      m.appendReplacement(sb, Matcher.quoteReplacement(resolve(v)));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  static Optional<Element> child(Element parent, String name) {
    return children(parent).stream().filter(e -> e.getTagName().equals(name)).findFirst();
  }

  static String text(Element parent, String name) {
    return child(parent, name)
        .map(e -> e.getTextContent().strip())
        .orElseThrow(() -> new AssertionError("<" + name + "> in <" + parent.getTagName() + ">"));
  }

  static List<Element> children(Element parent) {
    List<Element> out = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e) {
        out.add(e);
      }
    }
    return out;
  }
}
