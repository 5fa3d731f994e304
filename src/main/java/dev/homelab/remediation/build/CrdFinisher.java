package dev.homelab.remediation.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Build step after the Fabric8 CRD generator: puts the printer columns of each CRD in the order
 * they are declared on its class (the generator sorts them by JSON path, which would show AGE first
 * in {@code kubectl get rp}). Run by the build at process-classes, once per generated file; never
 * by hand.
 */
public final class CrdFinisher {
  /** The custom resource classes, by kind: the generated files are matched by spec.names.kind. */
  static final Map<String, Class<?>> KINDS =
      Map.of(
          "RemediationProposal", RemediationProposal.class,
          "RemediationSilence", RemediationSilence.class);

  private CrdFinisher() {}

  public static void main(String[] args) throws IOException {
    for (String arg : args) {
      Path file = Path.of(arg);
      Files.writeString(
          file, finish(Files.readString(file, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }
  }

  static String finish(String yaml) throws IOException {
    YAMLMapper mapper =
        YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build();
    JsonNode root = mapper.readTree(yaml);
    String kind = root.path("spec").path("names").path("kind").asText();
    Class<?> type = KINDS.get(kind);
    if (type == null) {
      throw new IllegalArgumentException("no custom resource class of kind '" + kind + "'");
    }
    List<String> order = new ArrayList<>();
    for (AdditionalPrinterColumn c : type.getAnnotationsByType(AdditionalPrinterColumn.class)) {
      order.add(c.name());
    }
    for (JsonNode version : root.path("spec").path("versions")) {
      JsonNode cols = version.get("additionalPrinterColumns");
      if (cols == null || !cols.isArray()) {
        continue;
      }
      List<JsonNode> sorted = new ArrayList<>();
      cols.forEach(sorted::add);
      sorted.sort(
          (a, b) ->
              Integer.compare(
                  position(order, a.path("name").asText()),
                  position(order, b.path("name").asText())));
      ArrayNode arr = mapper.createArrayNode();
      sorted.forEach(arr::add);
      ((ObjectNode) version).set("additionalPrinterColumns", arr);
    }
    return "# Generated from dev.homelab.remediation.api.v1alpha1 by the build (Fabric8 CRD generator).\n"
        + "# Do not edit: change the Java model and copy target/classes/META-INF/fabric8/ here.\n"
        + mapper.writeValueAsString(root);
  }

  private static int position(List<String> order, String name) {
    int i = order.indexOf(name);
    return i < 0 ? Integer.MAX_VALUE : i;
  }
}
