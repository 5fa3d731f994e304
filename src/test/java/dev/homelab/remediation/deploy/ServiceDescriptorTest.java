package dev.homelab.remediation.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** service.yaml, the homelab's descriptor of this service, agrees with the chart's defaults. */
class ServiceDescriptorTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void descriptorNamesOwnerNodeDependenciesPortsAndPaths() throws IOException {
    JsonNode service = YAML.readTree(Path.of("service.yaml").toFile());
    JsonNode values = YAML.readTree(RenderedChart.CHART.resolve("values.yaml").toFile());

    assertThat(service.path("name").asText()).isEqualTo("remediation-operator");
    assertThat(service.path("owner_node").asText())
        .isEqualTo(values.path("ownerNode").asText())
        .isNotEmpty();
    assertThat(texts(service.path("dependencies"))).containsExactly("redis", "ollama");
    assertThat(service.path("runtime").path("namespace").asText())
        .isEqualTo(RenderedChart.NAMESPACE);
    assertThat(service.path("ports"))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path("port").asInt()).isEqualTo(8080);
              assertThat(texts(p.path("paths"))).contains("/healthz", "/readyz", "/metrics");
            });
    assertThat(service.path("health").path("endpoint").asText()).isEqualTo("/healthz");
    assertThat(service.path("hostpaths").path("pending_actions").asText())
        .isEqualTo(values.path("hostPaths").path("pendingActions").asText());
    assertThat(service.path("hostpaths").path("events").asText())
        .isEqualTo(values.path("hostPaths").path("events").asText());
    assertThat(service.path("version").asText())
        .isEqualTo(
            YAML.readTree(RenderedChart.CHART.resolve("Chart.yaml").toFile())
                .path("appVersion")
                .asText());
  }

  static List<String> texts(JsonNode array) {
    assertThat(array.isArray()).as("a YAML list: %s", array).isTrue();
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
