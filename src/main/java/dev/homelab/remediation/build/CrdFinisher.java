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
 * in {@code kubectl get rp}), and gives the schema's root, spec and status the {@code
 * JsonClassDescription} of their Java classes (the generator leaves them empty in {@code kubectl
 * explain}), and the standard condition fields their Kubernetes meaning. Run by the build at
 * process-classes, once per generated file; never by hand.
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
      describe(version.path("schema").path("openAPIV3Schema"), type);
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

  /** Standard fields of a Kubernetes condition (the Fabric8 model carries no descriptions). */
  static final Map<String, String> CONDITION_FIELDS =
      Map.of(
          "type", "Kind of condition: Proposed, Approved, Dispatched or Notified.",
          "status", "True, False or Unknown.",
          "reason", "One word (CamelCase) for why the condition is as it is.",
          "message", "What happened, for people.",
          "lastTransitionTime", "When status last changed (RFC 3339).",
          "observedGeneration", "metadata.generation the condition was computed from.");

  /**
   * Root, spec and status descriptions from the classes; conditions from their standard meaning.
   */
  private static void describe(JsonNode schema, Class<?> type) {
    if (!(schema instanceof ObjectNode root)) {
      return;
    }
    setIfAbsent(root, classDescription(type));
    java.lang.reflect.Type generic = type.getGenericSuperclass();
    if (generic instanceof java.lang.reflect.ParameterizedType pt) {
      java.lang.reflect.Type[] args = pt.getActualTypeArguments();
      JsonNode props = root.path("properties");
      if (args.length == 2 && props instanceof ObjectNode p) {
        if (p.get("spec") instanceof ObjectNode spec && args[0] instanceof Class<?> c) {
          setIfAbsent(spec, classDescription(c));
        }
        if (p.get("status") instanceof ObjectNode status && args[1] instanceof Class<?> c) {
          setIfAbsent(status, classDescription(c));
        }
      }
    }
    JsonNode conditions =
        root.path("properties").path("status").path("properties").path("conditions");
    if (conditions.path("items") instanceof ObjectNode item) {
      setIfAbsent(item, "One observation of the proposal's state, as Kubernetes conditions are.");
      if (item.path("properties") instanceof ObjectNode fields) {
        CONDITION_FIELDS.forEach(
            (name, text) -> {
              if (fields.get(name) instanceof ObjectNode f) {
                setIfAbsent(f, text);
              }
            });
      }
    }
  }

  private static void setIfAbsent(ObjectNode node, String description) {
    if (description != null && !node.has("description")) {
      node.put("description", description);
    }
  }

  private static String classDescription(Class<?> c) {
    com.fasterxml.jackson.annotation.JsonClassDescription d =
        c.getAnnotation(com.fasterxml.jackson.annotation.JsonClassDescription.class);
    return d == null ? null : d.value();
  }

  private static int position(List<String> order, String name) {
    int i = order.indexOf(name);
    return i < 0 ? Integer.MAX_VALUE : i;
  }
}
