package dev.homelab.remediation.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntimeFactory;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * SPEC section 3: the spec does not change after creation. The checked-in CRD carries transition
 * rules the API server enforces on every update; the mock API server of the other tests does not
 * run them, so here each rule is compiled and evaluated with CEL (cel-java, the language the API
 * server runs) on a spec as created and as edited.
 */
class SpecImmutabilityRulesTest {
  static final Map<String, String> AS_CREATED =
      Map.of(
          "svcKey", "chelsty/zigbee2mqtt",
          "node", "chelsty",
          "service", "zigbee2mqtt",
          "eventType", "service_unhealthy",
          "severity", "warning",
          "sourceChannel", "health_events",
          "observedAt", "2026-05-27T17:11:39Z");

  static JSONSchemaProps spec() throws Exception {
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(CrdDriftTest.CHECKED_IN), CustomResourceDefinition.class);
    return crd.getSpec()
        .getVersions()
        .get(0)
        .getSchema()
        .getOpenAPIV3Schema()
        .getProperties()
        .get("spec");
  }

  static Set<String> stringFields(JSONSchemaProps spec) {
    return spec.getProperties().entrySet().stream()
        .filter(e -> "string".equals(e.getValue().getType()))
        .map(Map.Entry::getKey)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  static boolean eval(String rule, CelType type, Object self, Object oldSelf) throws Exception {
    CelAbstractSyntaxTree ast =
        CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS) // has(), all(), ... as Kubernetes
            .addVar("self", type)
            .addVar("oldSelf", type)
            .setResultType(SimpleType.BOOL)
            .build()
            .compile(rule)
            .getAst();
    Object result =
        CelRuntimeFactory.standardCelRuntimeBuilder()
            .build()
            .createProgram(ast)
            .eval(Map.of("self", self, "oldSelf", oldSelf));
    return (Boolean) result;
  }

  @Test
  void everyStringFieldOfTheSpecIsImmutable() throws Exception {
    JSONSchemaProps spec = spec();
    assertThat(stringFields(spec))
        .containsExactlyInAnyOrder(
            "svcKey",
            "node",
            "service",
            "eventType",
            "severity",
            "message",
            "sourceChannel",
            "observedAt");
    for (String field : stringFields(spec)) {
      List<ValidationRule> rules = spec.getProperties().get(field).getXKubernetesValidations();
      assertThat(rules).as(field).hasSize(1);
      ValidationRule rule = rules.get(0);
      assertThat(rule.getMessage()).startsWith(field + " is immutable");
      assertThat(eval(rule.getRule(), SimpleType.STRING, "chelsty", "chelsty")).isTrue();
      assertThat(eval(rule.getRule(), SimpleType.STRING, "solaria", "chelsty")).as(field).isFalse();
    }
  }

  /**
   * On create too (no oldSelf): a spec made by hand whose svcKey is not its node/service is refused
   * by the API server, as the operator refuses it (Names.specProblem); node and service carry the
   * name pattern, and every string a bound, so the rule's cost stays within the server's budget.
   */
  @Test
  void svcKeyMustBeNodeSlashService() throws Exception {
    JSONSchemaProps spec = spec();
    String rule =
        spec.getXKubernetesValidations().stream()
            .map(ValidationRule::getRule)
            .filter(r -> !r.contains("oldSelf"))
            .findFirst()
            .orElseThrow();
    CelType object = MapType.create(SimpleType.STRING, SimpleType.STRING);
    assertThat(eval(rule, object, AS_CREATED, AS_CREATED)).isTrue();
    Map<String, String> forged = new HashMap<>(AS_CREATED);
    forged.put("node", "nas");
    assertThat(eval(rule, object, forged, forged)).as("node nas, svcKey chelsty/…").isFalse();
    Map<String, String> nodeLevel = new HashMap<>(AS_CREATED);
    nodeLevel.remove("service");
    assertThat(eval(rule, object, nodeLevel, nodeLevel))
        .as("no service, svcKey names one")
        .isFalse();
    nodeLevel.put("svcKey", "chelsty");
    assertThat(eval(rule, object, nodeLevel, nodeLevel)).isTrue();

    for (String field : List.of("node", "service")) {
      JSONSchemaProps name = spec.getProperties().get(field);
      assertThat(name.getPattern()).isEqualTo(RemediationProposalSpec.NAME_PATTERN);
      assertThat(name.getMaxLength()).isEqualTo(63L);
      assertThat(java.util.regex.Pattern.matches(name.getPattern(), "zigbee2mqtt")).isTrue();
      assertThat(java.util.regex.Pattern.matches(name.getPattern(), "../../etc")).isFalse();
    }
    assertThat(spec.getProperties().get("svcKey").getMaxLength()).isEqualTo(127L);
  }

  @Test
  void optionalFieldsCanBeNeitherAddedNorRemoved() throws Exception {
    JSONSchemaProps spec = spec();
    assertThat(spec.getXKubernetesValidations()).hasSize(2);
    String rule =
        spec.getXKubernetesValidations().stream()
            .map(ValidationRule::getRule)
            .filter(r -> r.contains("oldSelf"))
            .findFirst()
            .orElseThrow();

    // It names every optional string field, each compared in both directions.
    Set<String> optional = new TreeSet<>(stringFields(spec));
    optional.removeAll(spec.getRequired());
    Matcher m =
        Pattern.compile("has\\(self\\.(\\w+)\\) == has\\(oldSelf\\.(\\w+)\\)").matcher(rule);
    Set<String> named = new TreeSet<>();
    while (m.find()) {
      assertThat(m.group(1)).isEqualTo(m.group(2));
      named.add(m.group(1));
    }
    assertThat(named).isEqualTo(optional).contains("service", "message");

    CelType object = MapType.create(SimpleType.STRING, SimpleType.STRING);
    assertThat(eval(rule, object, AS_CREATED, AS_CREATED)).isTrue();
    for (String field : optional) {
      Map<String, String> edited = new HashMap<>(AS_CREATED);
      if (edited.remove(field) == null) {
        edited.put(field, "added");
      }
      assertThat(eval(rule, object, edited, AS_CREATED)).as(field).isFalse();
      assertThat(eval(rule, object, AS_CREATED, edited)).as(field).isFalse();
    }
  }
}
