package dev.homelab.remediation.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopologyTest {

  @TempDir Path dir;

  @Test
  void builtInDescribesTheHomelab() {
    Topology t = Topology.load(Optional.empty());
    assertThat(t.nodes()).extracting(Topology.Node::name).contains("solaria", "chelsty");
    Topology.Node chelsty =
        t.nodes().stream().filter(n -> n.name().equals("chelsty")).findFirst().orElseThrow();
    assertThat(chelsty.services()).containsExactly("home-assistant", "zigbee2mqtt", "mosquitto");
    assertThat(chelsty.role()).contains("home automation");
  }

  @Test
  void fileIsReadAndUnknownKeysIgnored() throws Exception {
    Path file = dir.resolve("topology.yaml");
    Files.writeString(
        file,
        "owner: solaria\n"
            + "nodes:\n"
            + "  - name: Pixel\n"
            + "    role: media\n"
            + "    services: [jellyfin, sonarr]\n"
            + "    ip: 10.0.0.4\n"
            + "  - name: bare\n");
    Topology t = Topology.load(Optional.of(file));
    assertThat(t.nodes())
        .containsExactly(
            new Topology.Node("pixel", "media", List.of("jellyfin", "sonarr"), ""),
            new Topology.Node("bare", "", List.of(), ""));
  }

  @Test
  void missingFileNamesTheSetting() {
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> Topology.load(Optional.of(missing)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("TOPOLOGY_FILE " + missing)
        .hasMessageContaining("not a readable file");
  }

  @Test
  void badDocumentsSayWhatIsWrong() {
    assertThatThrownBy(() -> Topology.parse("nodes: [", "t"))
        .hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> Topology.parse("- a\n- b\n", "t"))
        .hasMessageContaining("mapping with a 'nodes' list");
    assertThatThrownBy(() -> Topology.parse("nodes: []\n", "t"))
        .hasMessageContaining("non-empty list");
    assertThatThrownBy(() -> Topology.parse("nodes:\n  - role: x\n", "t"))
        .hasMessageContaining("nodes[0].name is required");
    assertThatThrownBy(() -> Topology.parse("nodes:\n  - name: ../etc\n", "t"))
        .hasMessageContaining("not a valid name");
    assertThatThrownBy(() -> Topology.parse("nodes:\n  - name: a\n  - name: A\n", "t"))
        .hasMessageContaining("appears twice");
    assertThatThrownBy(() -> Topology.parse("nodes:\n  - name: a\n    services: redis\n", "t"))
        .hasMessageContaining("nodes[0].services must be a list");
    assertThatThrownBy(
            () -> Topology.parse("nodes:\n  - name: a\n    services: [ok, \"bad name\"]\n", "t"))
        .hasMessageContaining("nodes[0].services[1]");
    assertThatThrownBy(() -> Topology.parse("nodes:\n  - name: a\n    role: {x: 1}\n", "t"))
        .hasMessageContaining("role must be a string");
  }
}
