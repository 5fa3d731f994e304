package dev.homelab.remediation.notify;

import dev.homelab.remediation.config.OperatorConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Builds the notifier from the configuration: one target per NOTIFY_*_URL that is set. */
public final class Notifiers {
  static final String USER_AGENT = "homelab-remediation-operator";

  private Notifiers() {}

  /** The targets that are set, in the order webhook, ntfy, alertmanager. */
  public static List<NotificationTarget> targets(OperatorConfig cfg) {
    List<NotificationTarget> out = new ArrayList<>();
    cfg.notifyWebhookUrl.ifPresent(
        u -> out.add(new WebhookTarget(URI.create(u), cfg.notifyTimeout)));
    cfg.notifyNtfyUrl.ifPresent(
        u -> out.add(new NtfyTarget(URI.create(u), cfg.notifyNtfyToken, cfg.notifyTimeout)));
    cfg.notifyAlertmanagerUrl.ifPresent(
        u ->
            out.add(
                new AlertmanagerTarget(
                    URI.create(u), cfg.notifyAlertmanagerRefresh, cfg.notifyTimeout)));
    return out;
  }

  /** The notifier of {@code cfg}; with no target set, one that does nothing. */
  public static Notifier start(
      OperatorConfig cfg,
      KubernetesClient client,
      MeterRegistry registry,
      Clock clock,
      BooleanSupplier fenced,
      ApprovalLinks links) {
    return new Notifier(
        targets(cfg),
        new Notifier.Sending(
            cfg.notifyTimeout,
            cfg.notifyAttempts,
            cfg.notifyRetryInitial,
            cfg.notifyQueueCapacity,
            cfg.notifyRetryLater),
        new KubernetesNotificationStore(client, cfg.watchNamespace),
        links,
        cfg.approvalTtl,
        clock,
        registry,
        fenced);
  }
}
