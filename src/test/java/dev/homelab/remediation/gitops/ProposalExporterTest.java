package dev.homelab.remediation.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.api.v1alpha1.ApprovalRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.support.TestProposals;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ProposalExporterTest {
  @TempDir Path dir;

  static RemediationProposal proposal(String name, Phase phase, String message) {
    RemediationProposalSpec spec =
        TestProposals.spec("chelsty", "zigbee2mqtt", "service_unhealthy");
    spec.setMessage(message);
    spec.setObservedAt("2026-05-27T15:11:39Z");
    RemediationProposal p = TestProposals.named("homelab", name, spec);
    p.getMetadata().setUid("u-1");
    p.getMetadata().setResourceVersion("42");
    p.getMetadata().setManagedFields(List.of(new ManagedFieldsEntry()));
    RemediationProposalStatus s = TestProposals.status(phase);
    ProposedAction a = TestProposals.answered("restart", true);
    a.setTarget("chelsty/zigbee2mqtt");
    a.setConfidence(0.82);
    a.setReason("crash loop");
    a.setPolicyRules(List.of("always-human-node"));
    s.setProposal(a);
    s.setOccurrences(4L);
    p.setStatus(s);
    return p;
  }

  @Test
  void writesOneManifestPerOpenProposal() throws IOException {
    List<Path> files =
        ProposalExporter.export(
            List.of(
                proposal("b-waiting", Phase.AwaitingApproval, "health check failing"),
                proposal("a-done", Phase.Dispatched, "x"),
                proposal("c-failed", Phase.Failed, "y")),
            dir);
    assertThat(files)
        .extracting(f -> f.getFileName().toString())
        .containsExactly("homelab-b-waiting.yaml", "homelab-c-failed.yaml");
  }

  @Test
  void manifestCarriesOnlyNameNamespaceAndTheCommentedAnnotation() throws IOException {
    Path f =
        ProposalExporter.export(
                List.of(
                    proposal(
                        "p1",
                        Phase.AwaitingApproval,
                        "line one\nline two: with colon # and hash\u0007")),
                dir)
            .get(0);
    String yaml = Files.readString(f);
    assertThat(yaml)
        .contains("# proposal: restart chelsty/zigbee2mqtt")
        .contains("# policy:   always-human-node");
    assertThat(yaml)
        .doesNotContain("uid")
        .doesNotContain("resourceVersion")
        .doesNotContain("managedFields");
    RemediationProposal parsed = Serialization.unmarshal(yaml, RemediationProposal.class);
    assertThat(parsed.getMetadata().getName()).isEqualTo("p1");
    assertThat(parsed.getMetadata().getNamespace()).isEqualTo("homelab");
    assertThat(parsed.getMetadata().getAnnotations())
        .as("only what keeps Flux and Argo CD from pruning the proposal")
        .containsOnly(
            Map.entry("kustomize.toolkit.fluxcd.io/prune", "disabled"),
            Map.entry("argocd.argoproj.io/sync-options", "Prune=false"));
    assertThat(parsed.getSpec()).isNull();
    assertThat(parsed.getStatus()).isNull();

    String approved = yaml.replace("    # remediation", "    remediation");
    RemediationProposal decided = Serialization.unmarshal(approved, RemediationProposal.class);
    assertThat(decided.getMetadata().getAnnotations())
        .containsEntry("remediation.homelab.dev/approval", "approved")
        .containsEntry("remediation.homelab.dev/approved-by", "your-name");
  }

  /** The manifest's comment lines as one text, so line breaks do not matter. */
  static String comments(String yaml) {
    return yaml.lines()
        .filter(l -> l.startsWith("#"))
        .map(l -> l.substring(1).trim())
        .collect(Collectors.joining(" "));
  }

  static void assertOnlyNameAndNamespace(String yaml) {
    RemediationProposal parsed = Serialization.unmarshal(yaml, RemediationProposal.class);
    assertThat(parsed.getMetadata().getName()).isEqualTo("p1");
    assertThat(parsed.getMetadata().getAnnotations())
        .doesNotContainKeys(
            "remediation.homelab.dev/approval", "remediation.homelab.dev/approved-by");
    assertThat(parsed.getSpec()).isNull();
    assertThat(parsed.getStatus()).isNull();
  }

  @Test
  void awaitingApprovalSaysHowToDecideAndUntilWhen() {
    RemediationProposal p = proposal("p1", Phase.AwaitingApproval, "m");
    p.getStatus().getProposal().setAnsweredAt("2026-05-27T15:12:00Z");
    String yaml = ProposalExporter.manifest(p);
    assertThat(comments(yaml))
        .contains(
            "To decide, uncomment the annotations (approved or rejected, and your own name in"
                + " place of your-name: it is recorded as who decided) and merge.")
        .contains(
            "Merge within APPROVAL_TTL (default 24h) of the answer (2026-05-27T15:12:00Z): after"
                + " that the proposal expires, and an annotation arriving later changes nothing.")
        .doesNotContain("staleApproval");
    assertOnlyNameAndNamespace(yaml);
  }

  /** The deadline the operator recorded, whatever APPROVAL_TTL it runs with. */
  @Test
  void awaitingApprovalGivesTheRecordedDeadline() {
    RemediationProposal p = proposal("p1", Phase.AwaitingApproval, "m");
    p.getStatus().getProposal().setAnsweredAt("2026-05-27T15:12:00Z");
    p.getStatus().setExpiresAt("2026-05-27T17:12:00Z");
    assertThat(comments(ProposalExporter.manifest(p)))
        .contains("Merge before 2026-05-27T17:12:00Z: after that the proposal expires")
        .doesNotContain("default 24h");
  }

  @Test
  void anApprovalSetBeforeAwaitingApprovalIsExplainedAsIgnoredUntilSetAgain() {
    RemediationProposal p = proposal("p1", Phase.AwaitingApproval, "m");
    p.getStatus().getProposal().setAnsweredAt("2026-05-27T15:12:00Z");
    p.getStatus().setStaleApproval("approved");
    String yaml = ProposalExporter.manifest(p);
    assertThat(comments(yaml))
        .contains(
            "The annotation remediation.homelab.dev/approval=approved was already set when this"
                + " proposal reached AwaitingApproval: it is recorded as status.staleApproval and"
                + " ignored (a warning Event).")
        .contains(
            "To decide, remove it first, by reverting the change that set it or with:"
                + " kubectl annotate rp -n homelab p1 remediation.homelab.dev/approval-"
                + " Then set it again: uncomment the annotations (approved or rejected, and your"
                + " own name in place of your-name: it is recorded as who decided) and merge.")
        .contains("after that the proposal expires")
        .doesNotContain("To decide, uncomment");
    assertOnlyNameAndNamespace(yaml);
  }

  @ParameterizedTest
  @EnumSource(
      value = Phase.class,
      names = {"Pending", "Proposing", "Failed"})
  void beforeAwaitingApprovalAnAnnotationChangesNothingAndLaterStaysIgnored(Phase phase) {
    String yaml = ProposalExporter.manifest(proposal("p1", phase, "m"));
    assertThat(comments(yaml))
        .contains(
            "Not awaiting approval (phase "
                + phase
                + "): an approval annotation merged now changes nothing; the operator records a"
                + " warning Event.")
        .contains(
            "If it is still set when the proposal reaches AwaitingApproval, it is recorded as"
                + " status.staleApproval and ignored until it is removed and set again.")
        .doesNotContain("read once")
        .doesNotContain("To decide");
    assertOnlyNameAndNamespace(yaml);
  }

  @Test
  void anApprovedProposalHasNothingLeftToDecide() {
    RemediationProposal p = proposal("p1", Phase.Approved, "m");
    ApprovalRecord approval = new ApprovalRecord();
    approval.setBy("policy");
    p.getStatus().setApproval(approval);
    String yaml = ProposalExporter.manifest(p);
    assertThat(comments(yaml))
        .contains(
            "Phase Approved (by policy): nothing is left to decide. An approval annotation merged"
                + " now changes nothing; the operator records a warning Event.")
        .doesNotContain("To decide");
    assertOnlyNameAndNamespace(yaml);

    approval.setBy("annotation:alice");
    assertThat(comments(ProposalExporter.manifest(p)))
        .contains(
            "Phase Approved (by annotation:alice): nothing is left to decide. An approval"
                + " annotation merged now changes nothing.")
        .doesNotContain("warning Event");
  }
}
