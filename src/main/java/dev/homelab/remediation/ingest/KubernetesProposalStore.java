package dev.homelab.remediation.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.util.Optional;

/** {@link ProposalStore} on the Kubernetes API, in one namespace. */
public final class KubernetesProposalStore implements ProposalStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);

  private final MixedOperation<
          RemediationProposal,
          KubernetesResourceList<RemediationProposal>,
          Resource<RemediationProposal>>
      proposals;
  private final String namespace;

  @SuppressWarnings({"unchecked", "rawtypes"})
  public KubernetesProposalStore(KubernetesClient client, String namespace) {
    this.proposals = (MixedOperation) client.resources(RemediationProposal.class);
    this.namespace = namespace;
  }

  @Override
  public Creation createIfAbsent(RemediationProposal proposal) {
    String svcKey = proposal.getSpec().getSvcKey();
    try {
      RemediationProposal created = proposals.inNamespace(namespace).resource(proposal).create();
      return new Creation(true, ProposalWatch.view(created, svcKey));
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
    RemediationProposal existing =
        proposals.inNamespace(namespace).withName(proposal.getMetadata().getName()).get();
    if (existing == null) {
      throw new KubernetesClientException(
          "proposal " + proposal.getMetadata().getName() + " conflicted but does not exist");
    }
    // Our own create, retried (by the client or by the book) after its answer was lost: created.
    return new Creation(sameToken(proposal, existing), ProposalWatch.view(existing, svcKey));
  }

  private static boolean sameToken(RemediationProposal sent, RemediationProposal found) {
    String token = token(sent);
    return token != null && token.equals(token(found));
  }

  private static String token(RemediationProposal p) {
    var annotations = p.getMetadata().getAnnotations();
    return annotations == null
        ? null
        : annotations.get(RemediationProposal.ANNOTATION_CREATE_TOKEN);
  }

  @Override
  public Optional<ProposalView> read(String name) {
    RemediationProposal p = proposals.inNamespace(namespace).withName(name).get();
    return p == null ? Optional.empty() : Optional.of(ProposalWatch.view(p));
  }

  @Override
  public Write patchOccurrences(
      String name, String resourceVersion, long occurrences, Instant firstSeen, Instant lastSeen) {
    ObjectNode patch = JSON.createObjectNode();
    // A patch that carries a resourceVersion is refused with 409 when the object has moved on.
    patch.putObject("metadata").put("resourceVersion", resourceVersion);
    ObjectNode status = patch.putObject("status");
    status.put("occurrences", occurrences);
    status.put("firstSeen", firstSeen.toString());
    status.put("lastSeen", lastSeen.toString());
    // Patching through an item (name and namespace only) saves Fabric8's GET before the patch.
    RemediationProposal target = new RemediationProposal();
    target.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    try {
      RemediationProposal written =
          proposals
              .inNamespace(namespace)
              .resource(target)
              .subresource("status")
              .patch(MERGE, patch.toString());
      return new Write(Outcome.WRITTEN, written.getMetadata().getResourceVersion());
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return new Write(Outcome.GONE, null);
      }
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return new Write(Outcome.STALE, null);
      }
      throw e;
    }
  }

  @Override
  public boolean patchRecovered(String name, Instant at) {
    ObjectNode patch = JSON.createObjectNode();
    patch.putObject("status").put("recoveredAt", at.toString());
    RemediationProposal target = new RemediationProposal();
    target.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    try {
      proposals
          .inNamespace(namespace)
          .resource(target)
          .subresource("status")
          .patch(MERGE, patch.toString());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }
}
