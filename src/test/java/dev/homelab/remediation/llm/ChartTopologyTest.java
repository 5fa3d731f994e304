package dev.homelab.remediation.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The chart's default topology is in the format the operator reads (TOPOLOGY_FILE). */
class ChartTopologyTest {
  @Test
  void chartTopologyLoads() throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    JsonNode values = yaml.readTree(Files.readString(Path.of("helm/values.yaml")));
    String topologyYaml = yaml.writeValueAsString(values.get("topology"));
    Topology t = Topology.parse(topologyYaml, "values.yaml");
    assertThat(t.nodes()).extracting(Topology.Node::name).contains("solaria", "chelsty");
    assertThat(t.nodes()).allSatisfy(n -> assertThat(n.role()).isNotBlank());
  }
}
