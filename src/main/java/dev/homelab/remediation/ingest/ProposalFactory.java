package dev.homelab.remediation.ingest;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import dev.homelab.remediation.decision.HealthEvent;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the resource for a new incident from the event that opened it. */
public final class ProposalFactory {
  private ProposalFactory() {}

  public static RemediationProposal newProposal(HealthEvent e, String name, String namespace) {
    return newProposal(e, name, namespace, null);
  }

  /** The proposal {@code inc} creates, with its create token. */
  static RemediationProposal forIncident(HealthEvent e, Incident inc, String namespace) {
    return newProposal(e, inc.name, namespace, inc.createToken);
  }

  /**
   * {@code createToken}: the incident's own token ({@link
   * RemediationProposal#ANNOTATION_CREATE_TOKEN}), or null for none.
   */
  public static RemediationProposal newProposal(
      HealthEvent e, String name, String namespace, String createToken) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(RemediationProposal.LABEL_MANAGED_BY, RemediationProposal.MANAGED_BY);
    labels.put(RemediationProposal.LABEL_NODE, e.node());
    e.service().ifPresent(s -> labels.put(RemediationProposal.LABEL_SERVICE, s));

    RemediationProposalSpec spec = new RemediationProposalSpec();
    spec.setSvcKey(e.svcKey());
    spec.setNode(e.node());
    spec.setService(e.service().orElse(null));
    spec.setEventType(e.eventType());
    spec.setSeverity(e.severity());
    spec.setMessage(e.message());
    spec.setSourceChannel(e.sourceChannel());
    spec.setObservedAt(e.seenAt().toString());
    spec.setDetails(e.details());
    spec.setExtra(e.extra());

    RemediationProposal p = new RemediationProposal();
    ObjectMetaBuilder meta =
        new ObjectMetaBuilder().withName(name).withNamespace(namespace).withLabels(labels);
    if (createToken != null) {
      meta.addToAnnotations(RemediationProposal.ANNOTATION_CREATE_TOKEN, createToken);
    }
    p.setMetadata(meta.build());
    p.setSpec(spec);
    return p;
  }
}
