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

/** The CRD in crds/ is the one the build generates from the Java model. */
class CrdDriftTest {
  static final String FILE = "remediationproposals.remediation.homelab.dev-v1";
  static final Path GENERATED = Path.of("target/classes/META-INF/fabric8/" + FILE + ".yml");
  static final Path CHECKED_IN = Path.of("crds/" + FILE + ".yaml");

  @Test
  void checkedInCrdMatchesTheGeneratedOne() throws IOException {
    String generated = Files.readString(GENERATED, StandardCharsets.UTF_8);
    String checkedIn = Files.readString(CHECKED_IN, StandardCharsets.UTF_8);
    assertThat(checkedIn)
        .as("crds/ is stale: run ./mvnw process-classes && cp %s %s", GENERATED, CHECKED_IN)
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
}
