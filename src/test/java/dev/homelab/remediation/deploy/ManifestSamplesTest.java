package dev.homelab.remediation.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The example proposals in k8s/samples/ fit the CRD and show the approval annotation. */
class ManifestSamplesTest {
  static final Path AWAITING = Path.of("k8s/samples/awaiting-approval.yaml");
  static final Path GITOPS = Path.of("k8s/samples/approve-gitops.yaml");
  static final String APPROVAL = "remediation.homelab.dev/approval";
  static final String APPROVED_BY = "remediation.homelab.dev/approved-by";

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static JSONSchemaProps specSchema() throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(HelmChartTest.CRD), CustomResourceDefinition.class);
    return crd.getSpec()
        .getVersions()
        .get(0)
        .getSchema()
        .getOpenAPIV3Schema()
        .getProperties()
        .get("spec");
  }

  @Test
  void awaitingApprovalSampleIsAValidProposalWithTheAnnotationCommentedOut() throws IOException {
    String text = Files.readString(AWAITING);
    RemediationProposal rp = Serialization.unmarshal(text, RemediationProposal.class);
    Map<String, Object> spec = YAML.convertValue(rp.getSpec(), new TypeReference<>() {});
    JSONSchemaProps schema = specSchema();

    assertThat(rp.getApiVersion()).isEqualTo("remediation.homelab.dev/v1alpha1");
    assertThat(rp.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    assertThat(rp.getMetadata().getName()).matches("chelsty-zigbee2mqtt-[0-9a-f]{10}");
    assertThat(rp.getMetadata().getLabels())
        .containsEntry(RemediationProposal.LABEL_NODE, "chelsty")
        .containsEntry(RemediationProposal.LABEL_SERVICE, "zigbee2mqtt");
    assertThat(spec).containsKeys(schema.getRequired().toArray(String[]::new));
    assertThat(schema.getProperties()).containsKeys(spec.keySet().toArray(String[]::new));
    assertThat(rp.getSpec().getSvcKey())
        .isEqualTo(rp.getSpec().getNode() + "/" + rp.getSpec().getService());
    assertThat(rp.getStatus()).as("status is the operator's").isNull();
    assertThat(rp.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(text)
        .containsPattern("(?m)^\\s*#\\s+" + APPROVAL + ": approved")
        .containsPattern("(?m)^\\s*#\\s+" + APPROVED_BY + ": ");
  }

  @Test
  void gitopsSampleCarriesOnlyNameNamespaceAndTheApproval() throws IOException {
    JsonNode raw = YAML.readTree(GITOPS.toFile());
    assertThat(fieldNames(raw)).containsExactlyInAnyOrder("apiVersion", "kind", "metadata");
    assertThat(fieldNames(raw.path("metadata")))
        .containsExactlyInAnyOrder("name", "namespace", "annotations");
    assertThat(raw.path("metadata").path("annotations").path(APPROVAL).asText())
        .isEqualTo("approved");
    assertThat(raw.path("metadata").path("annotations").path(APPROVED_BY).asText()).isNotBlank();
    // Removing the file from Git must not prune the proposal (budgets and outcomes come from it).
    assertThat(
            raw.path("metadata")
                .path("annotations")
                .path("kustomize.toolkit.fluxcd.io/prune")
                .asText())
        .isEqualTo("disabled");
    assertThat(
            raw.path("metadata")
                .path("annotations")
                .path("argocd.argoproj.io/sync-options")
                .asText())
        .isEqualTo("Prune=false");

    RemediationProposal approval =
        Serialization.unmarshal(Files.readString(GITOPS), RemediationProposal.class);
    RemediationProposal proposal =
        Serialization.unmarshal(Files.readString(AWAITING), RemediationProposal.class);
    assertThat(approval.getKind()).isEqualTo("RemediationProposal");
    assertThat(approval.getMetadata().getName()).isEqualTo(proposal.getMetadata().getName());
    assertThat(approval.getMetadata().getNamespace())
        .isEqualTo(proposal.getMetadata().getNamespace());

    // Alone it creates nothing: once retention has deleted its proposal, the API server refuses
    // it (spec is required) rather than the GitOps tool recreating an empty proposal each time.
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(HelmChartTest.CRD), CustomResourceDefinition.class);
    assertThat(crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getRequired())
        .contains("spec");
    assertThat(Files.readString(GITOPS)).containsPattern("spec is\\s+# required");
  }
}
