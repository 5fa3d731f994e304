package dev.homelab.remediation.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CRDs in crds/ are the ones the build generates from the Java model. */
class CrdDriftTest {
  static final String FILE = "remediationproposals.remediation.homelab.dev-v1";
  static final String SILENCE_FILE = "remediationsilences.remediation.homelab.dev-v1";
  static final Path CHECKED_IN = checkedIn(FILE);
  static final Path SILENCE_CHECKED_IN = checkedIn(SILENCE_FILE);

  static Path generated(String file) {
    return Path.of("target/classes/META-INF/fabric8/" + file + ".yml");
  }

  static Path checkedIn(String file) {
    return Path.of("crds/" + file + ".yaml");
  }

  @ParameterizedTest
  @ValueSource(strings = {FILE, SILENCE_FILE})
  void checkedInCrdMatchesTheGeneratedOne(String file) throws IOException {
    String generated = Files.readString(generated(file), StandardCharsets.UTF_8);
    String checkedIn = Files.readString(checkedIn(file), StandardCharsets.UTF_8);
    assertThat(checkedIn)
        .as(
            "crds/ is stale: run ./mvnw process-classes && cp %s %s",
            generated(file), checkedIn(file))
        .isEqualTo(generated);
  }

  @Test
  void crdHasTheContractNames() throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(Files.readString(CHECKED_IN), CustomResourceDefinition.class);
    assertThat(crd.getSpec().getGroup()).isEqualTo("remediation.homelab.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("rp");
    assertThat(crd.getSpec().getNames().getCategories()).contains("homelab");
    CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
    assertThat(v.getName()).isEqualTo("v1alpha1");
    assertThat(v.getSubresources().getStatus()).isNotNull();
    assertThat(v.getAdditionalPrinterColumns())
        .filteredOn(c -> c.getPriority() == null || c.getPriority() == 0)
        .extracting(CustomResourceColumnDefinition::getName)
        .containsExactly(
            "SERVICE", "EVENT", "ACTION", "CONFIDENCE", "HUMAN", "PHASE", "OUTCOME", "AGE");
    var spec = v.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertThat(spec.getProperties().get("svcKey").getDescription()).isNotBlank();
    assertThat(spec.getProperties().get("details").getXKubernetesPreserveUnknownFields()).isTrue();
    var status = v.getSchema().getOpenAPIV3Schema().getProperties().get("status");
    assertThat(status.getProperties())
        .containsKeys(
            "phase",
            "proposal",
            "occurrences",
            "lastSeen",
            "approval",
            "dispatch",
            "conditions",
            "observedGeneration");
    assertThat(status.getProperties().get("phase").getEnum()).hasSize(11);
  }

  @Test
  void silenceCrdHasTheContractNames() throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(SILENCE_CHECKED_IN), CustomResourceDefinition.class);
    assertThat(crd.getMetadata().getName())
        .isEqualTo("remediationsilences.remediation.homelab.dev");
    assertThat(crd.getSpec().getGroup()).isEqualTo("remediation.homelab.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("RemediationSilence");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("rsil");
    assertThat(crd.getSpec().getNames().getCategories()).containsExactly("homelab");
    CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
    assertThat(v.getName()).isEqualTo("v1alpha1");
    assertThat(v.getSubresources().getStatus()).isNotNull();
    assertThat(v.getAdditionalPrinterColumns())
        .filteredOn(c -> c.getPriority() == null || c.getPriority() == 0)
        .extracting(CustomResourceColumnDefinition::getName)
        .containsExactly("NODE", "SERVICE", "EVENT", "STATE", "ENDS", "CREATOR", "AGE");
    var spec = v.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertThat(spec.getProperties())
        .containsOnlyKeys("matchers", "startsAt", "endsAt", "createdBy", "comment");
    assertThat(spec.getRequired()).containsExactly("endsAt");
    assertThat(spec.getProperties().get("matchers").getProperties())
        .containsOnlyKeys("node", "service", "eventType");
    spec.getProperties()
        .values()
        .forEach(p -> assertThat(p.getDescription()).as("kubectl explain text").isNotBlank());
    spec.getProperties().get("matchers").getProperties().values().stream()
        .forEach(p -> assertThat(p.getDescription()).isNotBlank());
    // A matcher left out is written as * by the API server (same meaning: any), so the NODE,
    // SERVICE and EVENT columns of kubectl get rsil show * rather than nothing.
    spec.getProperties()
        .get("matchers")
        .getProperties()
        .forEach((name, p) -> assertThat(p.getDefault()).as(name).hasToString("\"*\""));
    assertThat(spec.getProperties().get("endsAt").getPattern()).isNotBlank();
    var status = v.getSchema().getOpenAPIV3Schema().getProperties().get("status");
    assertThat(status.getProperties().get("state").getEnum())
        .extracting(com.fasterxml.jackson.databind.JsonNode::asText)
        .containsExactlyInAnyOrder("Pending", "Active", "Expired", "Invalid");
  }

  /** kubectl explain has a description at every level: the resource, spec, status, every field. */
  @ParameterizedTest
  @ValueSource(strings = {FILE, SILENCE_FILE})
  void everyLevelOfTheSchemaIsDescribed(String file) throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(Files.readString(checkedIn(file)), CustomResourceDefinition.class);
    java.util.List<String> missing = new java.util.ArrayList<>();
    undescribed(
        crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema(), "<root>", missing);
    assertThat(missing).as("fields without a description in %s", file).isEmpty();
  }

  static void undescribed(
      io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps p,
      String path,
      java.util.List<String> missing) {
    if (p.getDescription() == null || p.getDescription().isBlank()) {
      missing.add(path);
    }
    if (p.getProperties() != null) {
      p.getProperties().forEach((name, child) -> undescribed(child, path + "." + name, missing));
    }
    if (p.getItems() != null
        && p.getItems().getSchema() != null
        && p.getItems().getSchema().getProperties() != null
        && !p.getItems().getSchema().getProperties().isEmpty()) {
      undescribed(p.getItems().getSchema(), path + "[]", missing);
    }
  }
}
