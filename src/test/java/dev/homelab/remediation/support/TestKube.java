package dev.homelab.remediation.support;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Helpers for the Fabric8 mock server in CRUD mode. */
public final class TestKube {
  private TestKube() {}

  public static CustomResourceDefinition crd() {
    return crd("remediationproposals.remediation.homelab.dev-v1");
  }

  public static CustomResourceDefinition silenceCrd() {
    return crd("remediationsilences.remediation.homelab.dev-v1");
  }

  private static CustomResourceDefinition crd(String file) {
    try {
      return Serialization.unmarshal(
          Files.readString(Path.of("crds/" + file + ".yaml")), CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Installs the CRDs (proposals and silences), so the mock server treats status as a subresource
   * as a real one does.
   */
  public static void installCrd(KubernetesClient client) {
    for (CustomResourceDefinition crd : List.of(crd(), silenceCrd())) {
      if (client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .withName(crd.getMetadata().getName())
              .get()
          == null) {
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
      }
    }
  }

  /**
   * Creates {@code p} in its namespace with its status (a second write: status is a subresource),
   * as the operator would have left it; the uid, resourceVersion and creation time are the
   * server's. Returns the proposal as stored.
   */
  public static RemediationProposal put(KubernetesClient client, RemediationProposal p) {
    var status = p.getStatus();
    RemediationProposal copy = Serialization.clone(p);
    copy.getMetadata().setUid(null);
    copy.getMetadata().setResourceVersion(null);
    copy.getMetadata().setCreationTimestamp(null);
    copy.setStatus(null);
    String ns = p.getMetadata().getNamespace();
    RemediationProposal created =
        client.resources(RemediationProposal.class).inNamespace(ns).resource(copy).create();
    if (status == null) {
      return created;
    }
    created.setStatus(status);
    return client
        .resources(RemediationProposal.class)
        .inNamespace(ns)
        .resource(created)
        .updateStatus();
  }

  public static List<RemediationProposal> proposals(KubernetesClient client, String namespace) {
    return client.resources(RemediationProposal.class).inNamespace(namespace).list().getItems();
  }

  /** The occurrences of every proposal in {@code namespace}, summed (none written: 0). */
  public static long occurrences(KubernetesClient client, String namespace) {
    return proposals(client, namespace).stream().mapToLong(TestKube::occurrences).sum();
  }

  /**
   * The events {@code p} counts: status.occurrences, or its opening event alone while status holds
   * no count (the reconciler's first status write records it; the intake writes only more).
   */
  public static long occurrences(RemediationProposal p) {
    return p.getStatus() == null || p.getStatus().getOccurrences() == null
        ? 1
        : p.getStatus().getOccurrences();
  }

  public static List<RemediationSilence> silences(KubernetesClient client, String namespace) {
    return client.resources(RemediationSilence.class).inNamespace(namespace).list().getItems();
  }

  /** Drains the server's request log and counts writes (POST, PUT, PATCH) to proposals. */
  public static int drainProposalWrites(KubernetesMockServer server) throws InterruptedException {
    int writes = 0;
    RecordedRequest r;
    while ((r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      String m = r.getMethod();
      if (r.getPath().contains("remediationproposals")
          && ("POST".equals(m) || "PUT".equals(m) || "PATCH".equals(m))) {
        writes++;
      }
    }
    return writes;
  }

  /**
   * JOSDK checks its Lease permissions with a SelfSubjectRulesReview before leader election, which
   * the mock server cannot answer in CRUD mode: answer it as an API server would for the chart's
   * Role.
   */
  /** The next SelfSubjectReview (kubectl auth whoami) answers that the caller is {@code user}. */
  public static void answerSelfSubjectReviewAs(KubernetesMockServer server, String user) {
    server
        .expect()
        .post()
        .withPath("/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .andReturn(
            201,
            new io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewBuilder()
                .withNewStatus()
                .withNewUserInfo()
                .withUsername(user)
                .endUserInfo()
                .endStatus()
                .build())
        .once();
  }

  public static void allowLeaseAccess(KubernetesMockServer server) {
    var review =
        new io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder()
            .withNewStatus()
            .addNewResourceRule()
            .withApiGroups("coordination.k8s.io")
            .withResources("leases")
            .withVerbs("get", "create", "update", "patch")
            .endResourceRule()
            .withIncomplete(false)
            .endStatus()
            .build();
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, review)
        .always();
  }
}
