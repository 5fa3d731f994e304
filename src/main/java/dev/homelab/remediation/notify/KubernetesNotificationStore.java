package dev.homelab.remediation.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.homelab.remediation.api.v1alpha1.NotificationRecord;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;

/**
 * {@code status.notification} through a JSON merge patch of the status subresource that carries
 * that field alone, so the reconciler's and the intake's fields are never touched (the Role's
 * {@code remediationproposals/status patch}); the proposals through a list of the namespace.
 */
public final class KubernetesNotificationStore implements NotificationStore {
  private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);
  private final KubernetesClient client;
  private final String namespace;
  private final ObjectMapper json = Serialization.jsonMapper();

  public KubernetesNotificationStore(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  @Override
  public boolean record(String ns, String name, NotificationRecord record) {
    ObjectNode body = json.createObjectNode();
    body.putObject("status").set("notification", json.valueToTree(record));
    RemediationProposal target = new RemediationProposal();
    target.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    try {
      client
          .resources(RemediationProposal.class)
          .inNamespace(ns)
          .resource(target)
          .subresource("status")
          .patch(MERGE, body.toString());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public List<RemediationProposal> proposals() {
    return client.resources(RemediationProposal.class).inNamespace(namespace).list().getItems();
  }
}
