package dev.homelab.remediation.support;

import dev.homelab.remediation.api.v1alpha1.DispatchRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
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

  /** A policy-checked answer for the default svcKey, answered a second after creation. */
  public static ProposedAction answered(String action, boolean requiresHuman) {
    ProposedAction a = new ProposedAction();
    a.setAction(action);
    a.setExecutorType(
        switch (action) {
          case "restart" -> "restart_service";
          case "redeploy" -> "redeploy_service";
          case "notify" -> "notify";
          default -> null;
        });
    a.setTarget("solaria/ollama");
    a.setReason("health check failing");
    a.setConfidence(requiresHuman ? 0.5 : 0.9);
    a.setRequiresHuman(requiresHuman);
    a.setModel("ollama/llama3.1:8b");
    a.setPolicyRules(java.util.List.of());
    a.setAnsweredAt(java.time.Instant.parse(CREATED).plusSeconds(1).toString());
    return a;
  }

  public static RemediationProposal pending() {
    return proposal(Phase.Pending);
  }

  /** Answered restart with low confidence: waiting for a person. */
  public static RemediationProposal awaitingApproval() {
    RemediationProposal p = proposal(Phase.AwaitingApproval);
    p.getStatus().setProposal(answered("restart", true));
    return p;
  }

  /** Approved by policy, files not written yet. */
  public static RemediationProposal approved() {
    RemediationProposal p = proposal(Phase.Approved);
    p.getStatus().setProposal(answered("restart", false));
    return p;
  }

  /** Approved by policy and written. */
  public static RemediationProposal dispatched() {
    RemediationProposal p = proposal(Phase.Dispatched);
    p.getStatus().setProposal(answered("restart", false));
    DispatchRecord d = new DispatchRecord();
    d.setActionId(NAME + "-3f1c9a2e");
    d.setPendingActionPath("/var/lib/homelab/pending-actions/" + d.getActionId() + ".json");
    d.setAt(java.time.Instant.parse(CREATED).plusSeconds(2).toString());
    p.getStatus().setDispatch(d);
    p.getStatus().setCompletedAt(d.getAt());
    return p;
  }

  /** Every model failed {@code attempts} times. */
  public static RemediationProposal failed(int attempts) {
    RemediationProposal p = proposal(Phase.Failed);
    p.getStatus().setAttempts(attempts);
    p.getStatus().setMessage("Every model failed: ollama/llama3.1:8b: HTTP 500");
    p.getStatus().setOccurrencesAtFailure(1L);
    return p;
  }

  /** A proposal as the intake would create it: name, namespace and spec (no uid, no status). */
  public static RemediationProposal named(
      String namespace, String name, RemediationProposalSpec spec) {
    RemediationProposal p = new RemediationProposal();
    p.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    p.setSpec(spec);
    return p;
  }

  /** Just metadata: a proposal as an Event's involved object. */
  public static RemediationProposal withIdentity(String namespace, String name, String uid) {
    RemediationProposal p = named(namespace, name, spec());
    p.getMetadata().setUid(uid);
    p.getMetadata().setResourceVersion("1");
    return p;
  }
}
