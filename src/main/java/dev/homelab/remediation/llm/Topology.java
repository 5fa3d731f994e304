package dev.homelab.remediation.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The homelab as the model is told about it: nodes, their roles, the services on them. Read from
 * {@code TOPOLOGY_FILE}, else from the built-in {@value #DEFAULT_RESOURCE}. YAML shape:
 *
 * <pre>
 * nodes:
 *   - name: chelsty                 # required, DNS-1123-like, unique
 *     role: home automation         # optional
 *     services: [home-assistant]    # optional
 *     notes: free text              # optional
 * </pre>
 *
 * Other keys are ignored, so the file can be shared with other homelab tools.
 */
record Topology(List<Node> nodes) {

  static final String DEFAULT_RESOURCE = "/topology-default.yaml";
  static final long MAX_FILE_BYTES = 256 * 1024;
  static final int MAX_NODES = 200;
  static final int MAX_SERVICES = 200;
  static final int MAX_TEXT_CHARS = 500;
  private static final String SETTING = "TOPOLOGY_FILE";
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9_.]*[a-z0-9])?");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** One node of the homelab. {@code role} and {@code notes} may be empty. */
  record Node(String name, String role, List<String> services, String notes) {
    Node {
      services = List.copyOf(services);
    }
  }

  Topology {
    nodes = List.copyOf(nodes);
  }

  /**
   * The topology of {@code file}, or the built-in one when empty.
   *
   * @throws IllegalArgumentException naming TOPOLOGY_FILE when the file is missing, unreadable or
   *     not a valid topology
   */
  static Topology load(Optional<Path> file) {
    if (file.isEmpty()) {
      return builtIn();
    }
    Path path = file.get();
    String source = SETTING + " " + path;
    try {
      if (!Files.isRegularFile(path)) {
        throw new IllegalArgumentException(source + ": not a readable file");
      }
      if (Files.size(path) > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(source + ": larger than " + MAX_FILE_BYTES + " bytes");
      }
      return parse(Files.readString(path, StandardCharsets.UTF_8), source);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** The built-in example topology ({@value #DEFAULT_RESOURCE}). */
  static Topology builtIn() {
    try (InputStream in = Topology.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULT_RESOURCE + " is missing from the class path");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in topology");
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + DEFAULT_RESOURCE, e);
    }
  }

  /**
   * Parses a topology document.
   *
   * @param source names the document in error messages
   * @throws IllegalArgumentException saying what is wrong, where
   */
  static Topology parse(String yaml, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + ": not valid YAML: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(source + ": must be a mapping with a 'nodes' list");
    }
    JsonNode nodesNode = root.get("nodes");
    if (nodesNode == null || !nodesNode.isArray() || nodesNode.isEmpty()) {
      throw new IllegalArgumentException(source + ": 'nodes' must be a non-empty list");
    }
    if (nodesNode.size() > MAX_NODES) {
      throw new IllegalArgumentException(source + ": more than " + MAX_NODES + " nodes");
    }
    List<Node> nodes = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < nodesNode.size(); i++) {
      String where = source + ": nodes[" + i + "]";
      JsonNode n = nodesNode.get(i);
      if (!n.isObject()) {
        throw new IllegalArgumentException(where + " must be a mapping with at least 'name'");
      }
      String name = name(n.get("name"), where + ".name");
      if (!seen.add(name)) {
        throw new IllegalArgumentException(where + ".name '" + name + "' appears twice");
      }
      List<String> services = new ArrayList<>();
      JsonNode servicesNode = n.get("services");
      if (servicesNode != null && !servicesNode.isNull()) {
        if (!servicesNode.isArray()) {
          throw new IllegalArgumentException(where + ".services must be a list of service names");
        }
        if (servicesNode.size() > MAX_SERVICES) {
          throw new IllegalArgumentException(
              where + ".services has more than " + MAX_SERVICES + " entries");
        }
        for (int j = 0; j < servicesNode.size(); j++) {
          services.add(name(servicesNode.get(j), where + ".services[" + j + "]"));
        }
      }
      nodes.add(
          new Node(
              name,
              text(n.get("role"), where + ".role"),
              services,
              text(n.get("notes"), where + ".notes")));
    }
    return new Topology(nodes);
  }

  private static String name(JsonNode value, String where) {
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException(where + " is required and must be a string");
    }
    String name = value.asText().trim().toLowerCase(Locale.ROOT);
    if (name.length() > 63 || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          where
              + " '"
              + value.asText()
              + "' is not a valid name (DNS-1123-like, at most 63 characters)");
    }
    return name;
  }

  private static String text(JsonNode value, String where) {
    if (value == null || value.isNull()) {
      return "";
    }
    if (!value.isValueNode()) {
      throw new IllegalArgumentException(where + " must be a string");
    }
    String text = value.asText().strip().replaceAll("\\s+", " ");
    if (text.length() > MAX_TEXT_CHARS) {
      throw new IllegalArgumentException(
          where + " is longer than " + MAX_TEXT_CHARS + " characters");
    }
    return text;
  }
}
