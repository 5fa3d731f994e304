package dev.homelab.remediation.controller;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.decision.EventReason;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Core v1 Events with the proposal as involved object, so kubectl describe rp lists them. */
public final class KubernetesEventRecorder implements EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesEventRecorder.class);
  public static final String COMPONENT = "remediation-operator";

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private final AtomicLong seq = new AtomicLong();

  public KubernetesEventRecorder(KubernetesClient client, Clock clock, String instance) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
  }

  @Override
  public void record(RemediationProposal p, EventReason reason, String message) {
    String now = clock.instant().toString();
    String ns = p.getMetadata().getNamespace();
    String name =
        p.getMetadata().getName()
            + "."
            + Long.toHexString(System.currentTimeMillis())
            + Long.toHexString(seq.incrementAndGet());
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns)
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(p.getApiVersion())
            .withKind(p.getKind())
            .withName(p.getMetadata().getName())
            .withNamespace(ns)
            .withUid(p.getMetadata().getUid())
            .withResourceVersion(p.getMetadata().getResourceVersion())
            .endInvolvedObject()
            .withReason(reason.name())
            .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
            .withType(reason.type())
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .withHost(instance)
            .endSource()
            .withReportingComponent(COMPONENT)
            .withReportingInstance(instance)
            .build();
    try {
      client.v1().events().inNamespace(ns).resource(event).create();
    } catch (RuntimeException e) {
      LOG.atWarn()
          .addKeyValue("proposal", p.getMetadata().getName())
          .addKeyValue("reason", reason.name())
          .log("could not record event: {}", e.getMessage());
    }
  }
}
