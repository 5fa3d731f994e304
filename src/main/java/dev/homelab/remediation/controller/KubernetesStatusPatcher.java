package dev.homelab.remediation.controller;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * JSON merge patch of the status subresource, conditional on the resourceVersion decided on. Fields
 * left null are not sent, so the intake's fields (occurrences, firstSeen, lastSeen) are never
 * overwritten with a stale value; the retry schedule (nextAttemptAt, lastAttemptAt,
 * occurrencesAtFailure) is removed when the step succeeds (attempts 0) or the phase is final.
 */
public final class KubernetesStatusPatcher implements StatusPatcher {
  private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);
  private final KubernetesClient client;
  private final ObjectMapper json = Serialization.jsonMapper();

  public KubernetesStatusPatcher(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public RemediationProposal patch(RemediationProposal p, RemediationProposalStatus fields) {
    ObjectNode body = json.createObjectNode();
    String version = p.getMetadata().getResourceVersion();
    if (version != null) {
      // Decided on this version: should the proposal have moved on since (the cache lagged), the
      // API server refuses the write with 409 instead of letting a stale decision land.
      body.putObject("metadata").put("resourceVersion", version);
    }
    ObjectNode status = json.valueToTree(fields);
    if (Integer.valueOf(0).equals(fields.getAttempts()) || fields.getCompletedAt() != null) {
      // The step succeeded or the proposal is final: its retry schedule ends with it. A merge
      // patch keeps what it does not name, so the schedule is removed by name.
      status.putNull("nextAttemptAt").putNull("lastAttemptAt").putNull("occurrencesAtFailure");
    }
    body.set("status", status);
    // Patching through an item (name and namespace only) saves Fabric8's GET before the patch.
    RemediationProposal target = new RemediationProposal();
    target.setMetadata(
        new ObjectMetaBuilder()
            .withName(p.getMetadata().getName())
            .withNamespace(p.getMetadata().getNamespace())
            .build());
    return client
        .resources(RemediationProposal.class)
        .inNamespace(p.getMetadata().getNamespace())
        .resource(target)
        .subresource("status")
        .patch(MERGE, body.toString());
  }

  @Override
  public RemediationProposal latest(RemediationProposal p) {
    return client
        .resources(RemediationProposal.class)
        .inNamespace(p.getMetadata().getNamespace())
        .withName(p.getMetadata().getName())
        .get();
  }

  @Override
  public boolean stillAt(RemediationProposal p) {
    String decidedOn = p.getMetadata().getResourceVersion();
    RemediationProposal now =
        client
            .resources(RemediationProposal.class)
            .inNamespace(p.getMetadata().getNamespace())
            .withName(p.getMetadata().getName())
            .get();
    return now != null
        && (decidedOn == null || decidedOn.equals(now.getMetadata().getResourceVersion()));
  }
}
