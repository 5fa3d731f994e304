package dev.homelab.remediation.notify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code NOTIFY_ALERTMANAGER_URL}: an alert {@code RemediationAwaitingApproval} per waiting
 * proposal, posted to {@code <url>/api/v2/alerts}. Each send carries an explicit {@code endsAt}
 * three refresh periods ahead, and the alerts of all waiting proposals are sent again every period,
 * so the alert stays firing while the proposal waits (whatever Alertmanager's {@code
 * resolve_timeout}) and ends by itself if the operator goes away. A decision or the expiry resolves
 * it: the same labels with {@code endsAt} now; so does the deletion of the proposal ({@link
 * #withdraw}).
 */
public final class AlertmanagerTarget implements NotificationTarget {
  /** The target\'s name, also signed into the approval links it sends. */
  public static final String NAME = "alertmanager";

  public static final String ALERTNAME = "RemediationAwaitingApproval";

  private static final String ALERTS_PATH = "/api/v2/alerts";

  /** Waiting proposals remembered for the refresh, at most (the oldest is forgotten first). */
  static final int MAX_WAITING = 1024;

  private final URI alerts;
  private final Duration refresh;
  private final Duration timeout;
  private final Map<String, Notification> waiting =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Notification> eldest) {
          return size() > MAX_WAITING;
        }
      };

  /**
   * @param base Alertmanager's base URL; one that already ends in {@code /api/v2/alerts} (or {@code
   *     /api/v2/alerts/}) is taken as that base, not posted to {@code
   *     .../api/v2/alerts/api/v2/alerts}
   */
  public AlertmanagerTarget(URI base, Duration refresh, Duration timeout) {
    this.alerts = alertsUri(base);
    this.refresh = refresh;
    this.timeout = timeout;
  }

  /** Where alerts are posted: {@code <base>/api/v2/alerts}, for a base given with it or without. */
  static URI alertsUri(URI base) {
    String b = base.toString();
    b = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    if (b.endsWith(ALERTS_PATH)) {
      b = b.substring(0, b.length() - ALERTS_PATH.length());
    }
    return URI.create(b + ALERTS_PATH);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public synchronized HttpRequest request(Notification n, Instant now) {
    Instant endsAt;
    if (n.event() == Notification.Event.AWAITING_APPROVAL) {
      waiting.put(n.uid(), n);
      endsAt = now.plus(refresh.multipliedBy(3));
    } else {
      waiting.remove(n.uid());
      endsAt = now;
    }
    return post(List.of(alert(n, endsAt)));
  }

  /** Not refreshed any more: the alert resolves by itself at its endsAt, 3 periods at most. */
  @Override
  public synchronized void forgetWaiting(String uid) {
    waiting.remove(uid);
  }

  @Override
  public Optional<Duration> refreshEvery() {
    return Optional.of(refresh);
  }

  /**
   * All waiting alerts in one request. A proposal whose expiry passed a period ago without a word
   * from the reconciler (it was deleted, or another replica took over) is forgotten.
   */
  @Override
  public synchronized Optional<HttpRequest> refresh(Instant now) {
    waiting.values().removeIf(n -> n.expiresAt().plus(refresh).isBefore(now));
    if (waiting.isEmpty()) {
      return Optional.empty();
    }
    List<ObjectNode> all = new ArrayList<>();
    for (Notification n : waiting.values()) {
      all.add(alert(n, now.plus(refresh.multipliedBy(3))));
    }
    return Optional.of(post(all));
  }

  /**
   * The waiting proposal {@code uid} was deleted: its alert resolved now (annotation {@code
   * decision=deleted}, no links) and no longer refreshed; empty when it had no alert here.
   */
  @Override
  public synchronized Optional<HttpRequest> withdraw(String uid, Instant now) {
    Notification n = waiting.remove(uid);
    if (n == null) {
      return Optional.empty();
    }
    ObjectNode a = alert(n, now);
    ObjectNode ann = (ObjectNode) a.get("annotations");
    ann.remove(List.of("approve_url", "reject_url"));
    ann.put("decision", "deleted");
    return Optional.of(post(List.of(a)));
  }

  /** The proposals whose alert is refreshed (their uids). */
  synchronized Collection<String> waiting() {
    return List.copyOf(waiting.keySet());
  }

  URI url() {
    return alerts;
  }

  private HttpRequest post(List<ObjectNode> alerts) {
    ArrayNode body = WebhookTarget.JSON.createArrayNode();
    body.addAll(alerts);
    return HttpRequest.newBuilder(this.alerts)
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .header("User-Agent", Notifiers.USER_AGENT)
        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
        .build();
  }

  /** One postable alert of Alertmanager's API v2. */
  static ObjectNode alert(Notification n, Instant endsAt) {
    ObjectNode a = WebhookTarget.JSON.createObjectNode();
    ObjectNode labels = a.putObject("labels");
    labels.put("alertname", ALERTNAME);
    labels.put("svc_key", n.subject());
    labels.put("node", n.node());
    if (n.service() != null) {
      labels.put("service", n.service());
    }
    labels.put("proposal", n.name());
    ObjectNode ann = a.putObject("annotations");
    ann.put(
        "summary",
        n.unanswered()
            ? "No model answered for " + n.subject() + " (" + n.name() + ")"
            : "Proposed "
                + n.action()
                + " of "
                + n.subject()
                + " awaits approval ("
                + n.name()
                + ")");
    ann.put("reason", n.reason() == null ? "" : n.reason());
    if (!n.policyRules().isEmpty()) {
      ann.put("policy_rules", String.join(", ", n.policyRules()));
    }
    ann.put("action", String.valueOf(n.action()));
    ann.put("expires_at", n.expiresAt().toString());
    n.approveUrl(NAME).ifPresent(u -> ann.put("approve_url", u));
    n.rejectUrl(NAME).ifPresent(u -> ann.put("reject_url", u));
    if (n.event() != Notification.Event.AWAITING_APPROVAL) {
      ann.put("decision", String.valueOf(n.decision()));
    }
    a.put("startsAt", n.waitingSince().toString());
    a.put("endsAt", endsAt.toString());
    return a;
  }
}
