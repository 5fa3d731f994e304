package dev.homelab.remediation.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
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
 * A time window in which new incidents that match its {@code spec.matchers} are silenced: they
 * become proposals in phase {@code Silenced}, with no model call and no file written.
 */
@Group(RemediationProposal.GROUP)
@Version(RemediationProposal.VERSION)
@Kind("RemediationSilence")
@Plural("remediationsilences")
@Singular("remediationsilence")
@ShortNames("rsil")
@Categories("homelab")
@AdditionalPrinterColumn(
    name = "NODE",
    jsonPath = ".spec.matchers.node",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "SERVICE",
    jsonPath = ".spec.matchers.service",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "EVENT",
    jsonPath = ".spec.matchers.eventType",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "STATE",
    jsonPath = ".status.state",
    type = AdditionalPrinterColumn.Type.STRING)
// A string, not a date: kubectl shows a date in the future as <invalid>.
@AdditionalPrinterColumn(
    name = "ENDS",
    jsonPath = ".spec.endsAt",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "CREATOR",
    jsonPath = ".spec.createdBy",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "COMMENT",
    jsonPath = ".spec.comment",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "AGE",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@JsonClassDescription(
    "For a while, new incidents that match need nobody: they become proposals in phase Silenced, with no model call and nothing written. remediation-operator silence add makes one.")
public class RemediationSilence
    extends CustomResource<RemediationSilenceSpec, RemediationSilenceStatus> implements Namespaced {

  @Override
  protected RemediationSilenceStatus initStatus() {
    return null;
  }
}
