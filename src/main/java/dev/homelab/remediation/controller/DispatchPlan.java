package dev.homelab.remediation.controller;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.homelab.remediation.api.v1alpha1.ApprovalRecord;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import dev.homelab.remediation.decision.Names;
import dev.homelab.remediation.dispatch.FileDispatcher;
import dev.homelab.remediation.dispatch.PendingAction;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Builds the pending action of an approved proposal from its spec and status. */
final class DispatchPlan {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DispatchPlan() {}

  static String actionId(RemediationProposal p) {
    return FileDispatcher.actionId(p.getMetadata().getName(), p.getMetadata().getUid());
  }

  /**
   * The pending action of a proposal approved by {@code decided} (the status fields about to be
   * written: the answer, the approval), laid over the proposal's own status; null: as it is. Node,
   * service and svc_key come from the target the policy pinned when the proposal was made (not from
   * the spec as it is now), and are validated again, since they reach the executor.
   */
  static PendingAction pendingAction(RemediationProposal p, RemediationProposalStatus decided) {
    RemediationProposalSpec e = p.getSpec();
    RemediationProposalStatus seen =
        p.getStatus() == null ? new RemediationProposalStatus() : p.getStatus();
    ProposedAction a =
        decided != null && decided.getProposal() != null
            ? decided.getProposal()
            : seen.getProposal();
    ApprovalRecord approval =
        decided != null && decided.getApproval() != null
            ? decided.getApproval()
            : seen.getApproval();
    if (a == null) {
      throw new IllegalStateException("no answer to write for " + p.getMetadata().getName());
    }
    String target = a.getTarget() == null ? e.getSvcKey() : a.getTarget();
    int slash = target.indexOf('/');
    String node =
        Names.normalise(slash < 0 ? target : target.substring(0, slash))
            .orElseThrow(
                () -> new IllegalStateException("refusing target '" + target + "': bad node name"));
    String service =
        slash < 0
            ? null
            : Names.normalise(target.substring(slash + 1))
                .orElseThrow(
                    () ->
                        new IllegalStateException(
                            "refusing target '" + target + "': bad service name"));
    String approvedBy = approval == null ? "policy" : approval.getBy();
    return new PendingAction(
        actionId(p),
        a.getExecutorType(),
        a.getAction(),
        node,
        service,
        Names.svcKey(node, java.util.Optional.ofNullable(service)),
        a.getReason(),
        a.getConfidence() == null ? 0 : a.getConfidence(),
        Boolean.TRUE.equals(a.getRequiresHuman()),
        approvedBy,
        a.getModel(),
        createdAt(
            a.getAnsweredAt() == null ? p.getMetadata().getCreationTimestamp() : a.getAnsweredAt()),
        p.getMetadata().getNamespace(),
        p.getMetadata().getName(),
        p.getMetadata().getUid(),
        event(e));
  }

  /**
   * The pending action's {@code created_at}: whole seconds in UTC, as SPEC 7 shows it ({@code
   * 2026-05-27T17:11:40Z}), whatever precision the answer's time was recorded with.
   */
  static String createdAt(String at) {
    return at == null ? null : Instant.parse(at).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** The normalised event, snake_case like the files' other keys. */
  static ObjectNode event(RemediationProposalSpec e) {
    ObjectNode o = JSON.createObjectNode();
    o.put("event_type", e.getEventType());
    o.put("node", e.getNode());
    o.put("service", e.getService());
    o.put("svc_key", e.getSvcKey());
    o.put("severity", e.getSeverity());
    o.put("message", e.getMessage());
    o.put("source_channel", e.getSourceChannel());
    o.put("observed_at", e.getObservedAt());
    if (e.getDetails() != null) {
      o.set("details", e.getDetails());
    }
    if (e.getExtra() != null) {
      o.set("extra", e.getExtra());
    }
    return o;
  }
}
