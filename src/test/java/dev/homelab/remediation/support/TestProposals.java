package dev.homelab.remediation.support;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** Builders of proposals for tests: a service incident by default, with small mutators. */
public final class TestProposals {
  public static final String NAMESPACE = "homelab";
  public static final String NAME = "solaria-ollama-0123456789";
  public static final String UID = "3f1c9a2e-0000-4000-8000-000000000000";
  public static final String CREATED = "2026-05-27T17:11:40Z";

  private TestProposals() {}

  /** The spec of {@code solaria/ollama} reporting service_unhealthy. */
  public static RemediationProposalSpec spec() {
    return spec("solaria", "ollama", "service_unhealthy");
  }

  /** A spec; {@code service} null makes a node-level incident. */
  public static RemediationProposalSpec spec(String node, String service, String eventType) {
    RemediationProposalSpec spec = new RemediationProposalSpec();
    spec.setSvcKey(service == null ? node : node + "/" + service);
    spec.setNode(node);
    spec.setService(service);
    spec.setEventType(eventType);
    spec.setSeverity("warning");
    spec.setSourceChannel("health_events");
    spec.setObservedAt("2026-05-27T17:11:39Z");
    return spec;
  }

  public static RemediationProposalStatus status(Phase phase) {
    RemediationProposalStatus s = new RemediationProposalStatus();
    s.setPhase(phase);
    s.setOccurrences(1L);
    return s;
  }

  /** A proposal in {@code phase} (null: no status yet). */
  public static RemediationProposal proposal(Phase phase) {
    RemediationProposal p = new RemediationProposal();
    p.setMetadata(
        new ObjectMetaBuilder()
            .withName(NAME)
            .withNamespace(NAMESPACE)
            .withUid(UID)
            .withGeneration(1L)
            .withCreationTimestamp(CREATED)
            .build());
    p.setSpec(spec());
    p.setStatus(phase == null ? null : status(phase));
    return p;
  }
}
