package dev.homelab.remediation.dispatch;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Everything the two files need; built from a proposal by the reconciler.
 *
 * @param actionId stable per proposal, also the pending-action file's name
 * @param approvedBy annotation:NAME, annotation, policy or executor
 * @param createdAt when the proposal was answered (stable across retries), RFC 3339
 * @param event the normalised event, snake_case
 */
public record PendingAction(
    String actionId,
    String type,
    String action,
    String node,
    String service,
    String svcKey,
    String reason,
    double confidence,
    boolean requiresHuman,
    String approvedBy,
    String model,
    String createdAt,
    String namespace,
    String proposalName,
    String proposalUid,
    JsonNode event) {
  /** A service restart or redeploy without a service cannot be executed safely: refused. */
  public PendingAction {
    if (("restart_service".equals(type) || "redeploy_service".equals(type))
        && (service == null || service.isBlank())) {
      throw new IllegalArgumentException(
          "refusing a " + type + " pending action for " + svcKey + ": it names no service");
    }
  }
}
