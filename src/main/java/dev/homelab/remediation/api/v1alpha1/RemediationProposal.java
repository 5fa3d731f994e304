package dev.homelab.remediation.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One incident on one homelab service (or node): the normalised health event that opened it in
 * {@code spec}, and everything the operator decided and did about it in {@code status}.
 */
@Group(RemediationProposal.GROUP)
@Version(RemediationProposal.VERSION)
@Kind("RemediationProposal")
@Plural("remediationproposals")
@Singular("remediationproposal")
@ShortNames("rp")
@Categories("homelab")
@AdditionalPrinterColumn(
    name = "SERVICE",
    jsonPath = ".spec.svcKey",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "EVENT",
    jsonPath = ".spec.eventType",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "ACTION",
    jsonPath = ".status.proposal.action",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "CONFIDENCE",
    jsonPath = ".status.proposal.confidence",
    type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(
    name = "HUMAN",
    jsonPath = ".status.proposal.requiresHuman",
    type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(
    name = "PHASE",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "OUTCOME",
    jsonPath = ".status.outcome.result",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "OCCURRENCES",
    jsonPath = ".status.occurrences",
    type = AdditionalPrinterColumn.Type.INTEGER,
    priority = 1)
@AdditionalPrinterColumn(
    name = "AGE",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@JsonClassDescription(
    "One incident of a homelab service or node, from a health event on Redis: what the model proposed, what the safety policy made of it, who approved it, and what was written on the node. kubectl get rp lists them; annotate remediation.homelab.dev/approval=approved (or =rejected) to decide one that awaits approval.")
public class RemediationProposal
    extends CustomResource<RemediationProposalSpec, RemediationProposalStatus>
    implements Namespaced {

  public static final String GROUP = "remediation.homelab.dev";
  public static final String VERSION = "v1alpha1";
  public static final String LABEL_NODE = GROUP + "/node";
  public static final String LABEL_SERVICE = GROUP + "/service";
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "remediation-operator";

  /**
   * A random token the intake writes on each proposal it creates: a create retried after its answer
   * was lost (a 504 after the write, a reset connection) finds its own proposal by it and does not
   * count the opening event twice.
   */
  public static final String ANNOTATION_CREATE_TOKEN = GROUP + "/create-token";

  /**
   * Required by the CRD: a proposal is its event. A GitOps approval manifest (name and annotations
   * only) applied after retention deleted its proposal is refused by the API server instead of
   * coming back as an empty proposal that retention deletes and the GitOps tool recreates again.
   */
  @Override
  @Required
  public RemediationProposalSpec getSpec() {
    return super.getSpec();
  }

  @Override
  protected RemediationProposalStatus initStatus() {
    return null;
  }
}
