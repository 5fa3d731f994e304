package dev.homelab.remediation.controller;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import dev.homelab.remediation.api.v1alpha1.RemediationSilenceStatus;
import dev.homelab.remediation.decision.SilenceLifecycle;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shell around {@link SilenceLifecycle}: shows each silence's state in its status (one merge
 * patch per change of state), looks again at its next boundary, and deletes it {@code retention}
 * after its endsAt.
 */
public final class SilenceReconciler implements Reconciler<RemediationSilence> {
  private static final Logger LOG = LoggerFactory.getLogger(SilenceReconciler.class);
  private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);

  private final KubernetesClient client;
  private final Clock clock;
  private final Duration retention;
  private final BooleanSupplier fenced;
  private final ObjectMapper json = Serialization.jsonMapper();

  public SilenceReconciler(
      KubernetesClient client, Clock clock, Duration retention, BooleanSupplier fenced) {
    this.client = client;
    this.clock = clock;
    this.retention = retention;
    this.fenced = fenced;
  }

  @Override
  public UpdateControl<RemediationSilence> reconcile(
      RemediationSilence silence, Context<RemediationSilence> context) {
    if (fenced.getAsBoolean()) {
      return UpdateControl.noUpdate();
    }
    SilenceLifecycle.Review review = SilenceLifecycle.review(silence, clock.instant(), retention);
    try {
      if (review.delete()) {
        // Only the version seen: a silence extended meanwhile is not deleted (409, looked at
        // again).
        client.resource(silence).lockResourceVersion().delete();
        LOG.atInfo()
            .addKeyValue("silence", silence.getMetadata().getName())
            .addKeyValue("endsAt", silence.getSpec().getEndsAt())
            .log("silence deleted after retention");
        return UpdateControl.noUpdate();
      }
      review.status().ifPresent(s -> patchStatus(silence, s));
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        LOG.atInfo()
            .addKeyValue("silence", silence.getMetadata().getName())
            .log("silence already deleted");
        return UpdateControl.noUpdate();
      }
      throw e;
    }
    UpdateControl<RemediationSilence> control = UpdateControl.noUpdate();
    return review.recheck().map(control::rescheduleAfter).orElse(control);
  }

  private void patchStatus(RemediationSilence silence, RemediationSilenceStatus status) {
    ObjectNode fields = json.createObjectNode();
    fields.put("state", status.getState().name());
    // Explicit null: a merge patch removes the message of an Invalid silence that was fixed.
    fields.put("message", status.getMessage());
    ObjectNode body = json.createObjectNode();
    body.set("status", fields);
    RemediationSilence target = new RemediationSilence();
    target.setMetadata(
        new ObjectMetaBuilder()
            .withName(silence.getMetadata().getName())
            .withNamespace(silence.getMetadata().getNamespace())
            .build());
    client
        .resources(RemediationSilence.class)
        .inNamespace(silence.getMetadata().getNamespace())
        .resource(target)
        .subresource("status")
        .patch(MERGE, body.toString());
    LOG.atInfo()
        .addKeyValue("silence", silence.getMetadata().getName())
        .addKeyValue("state", status.getState())
        .log("silence state");
  }
}
