package dev.homelab.remediation.notify;

import dev.homelab.remediation.api.v1alpha1.Phase;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code NOTIFY_NTFY_URL}: publishes each notification to an ntfy topic, a POST of the message to
 * the topic URL with ntfy's {@code Title}, {@code Priority} and {@code Tags} headers, and, while
 * the proposal awaits approval with links on, {@code Actions}: an Approve and a Reject {@code http}
 * button, each a POST of its link. {@code NOTIFY_NTFY_TOKEN} goes in {@code Authorization: Bearer}.
 */
public final class NtfyTarget implements NotificationTarget {
  /** The target\'s name, also signed into the approval links it sends. */
  public static final String NAME = "ntfy";

  private final URI topic;
  private final Optional<String> token;
  private final Duration timeout;

  public NtfyTarget(URI topic, Optional<String> token, Duration timeout) {
    this.topic = topic;
    this.token = token.filter(t -> !t.isBlank());
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public HttpRequest request(Notification n, Instant now) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(topic)
            .timeout(timeout)
            .header("Content-Type", "text/plain; charset=utf-8")
            .header("User-Agent", Notifiers.USER_AGENT);
    headers(n).forEach(b::header);
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    return b.POST(HttpRequest.BodyPublishers.ofString(message(n), StandardCharsets.UTF_8)).build();
  }

  /** ntfy's headers for {@code n}, in the order they are sent (no credentials). */
  static Map<String, String> headers(Notification n) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Title", headerSafe(title(n)));
    h.put("Priority", n.event() == Notification.Event.AWAITING_APPROVAL ? "high" : "default");
    h.put("Tags", tags(n));
    actions(n).ifPresent(a -> h.put("Actions", a));
    return h;
  }

  static String title(Notification n) {
    String what = (n.action() == null ? "action" : n.action()) + " of " + n.subject();
    return switch (n.event()) {
      case AWAITING_APPROVAL -> "Approve " + what + "?";
      case DECIDED ->
          "resolved".equals(n.decision())
              ? "Recovered by itself: " + n.subject()
              : capitalised(n.decision()) + ": " + what;
      case EXPIRED ->
          n.unanswered() ? "Expired, no model answered: " + n.subject() : "Expired: " + what;
    };
  }

  /** The body: what happened, what is proposed and why, and how to decide from a terminal. */
  static String message(Notification n) {
    StringBuilder m = new StringBuilder();
    switch (n.event()) {
      case AWAITING_APPROVAL -> {
        m.append(n.eventType())
            .append(" on ")
            .append(n.subject())
            .append(" (")
            .append(n.occurrences())
            .append(n.occurrences() == 1 ? " event" : " events")
            .append(").\nProposed: ")
            .append(n.action())
            .append(" by ")
            .append(n.model())
            .append(", confidence ")
            .append(n.confidence())
            .append(".\n");
        if (n.reason() != null && !n.reason().isBlank()) {
          m.append("Why: ").append(n.reason()).append('\n');
        }
        if (!n.policyRules().isEmpty()) {
          m.append("Policy: ").append(String.join(", ", n.policyRules())).append('\n');
        }
        m.append("Expires at ")
            .append(n.expiresAt().truncatedTo(ChronoUnit.SECONDS)) // to be read on a phone
            .append(". Or: kubectl annotate rp -n ")
            .append(n.namespace())
            .append(' ')
            .append(n.name())
            .append(" remediation.homelab.dev/approval=approved");
      }
      case DECIDED -> {
        if ("resolved".equals(n.decision())) {
          // Not a decision of anyone's: the service came back before anything was done.
          m.append(n.subject())
              .append(" recovered by itself before any action; nothing is written.");
          break;
        }
        m.append(capitalised(n.decision()));
        if (n.decidedBy() != null) {
          m.append(" by ").append(n.decidedBy());
        }
        if (!"approved".equals(n.decision()) || n.phase() == Phase.Ignored) {
          m.append("; nothing is written.");
        } else if (n.phase() == Phase.Approved) {
          // The write failed; the reconciler retries it (condition Dispatched=False).
          m.append("; the pending action could not be written yet and is retried (kubectl")
              .append(" describe rp -n ")
              .append(n.namespace())
              .append(' ')
              .append(n.name())
              .append(").");
        } else {
          m.append("; the pending action is written for the executor.");
        }
      }
      case EXPIRED -> {
        if (n.unanswered()) {
          // The model chain failed until APPROVAL_TTL: nobody was asked about this one.
          m.append(n.eventType())
              .append(" on ")
              .append(n.subject())
              .append(": no model answered by ")
              .append(n.expiresAt().truncatedTo(ChronoUnit.SECONDS))
              .append("; nothing is written. Why: kubectl describe rp -n ")
              .append(n.namespace())
              .append(' ')
              .append(n.name());
          break;
        }
        m.append("No decision by ")
            .append(n.expiresAt().truncatedTo(ChronoUnit.SECONDS))
            .append("; nothing is written.");
      }
    }
    return m.toString();
  }

  static String tags(Notification n) {
    String emoji =
        switch (n.event()) {
          case AWAITING_APPROVAL -> "warning";
          case DECIDED -> "approved".equals(n.decision()) ? "white_check_mark" : "no_entry";
          case EXPIRED -> "hourglass";
        };
    StringBuilder t = new StringBuilder(emoji).append(',').append(n.node());
    if (n.service() != null) {
      t.append(',').append(n.service());
    }
    return headerSafe(t.toString());
  }

  /** The two buttons, when the notification carries both links. */
  static Optional<String> actions(Notification n) {
    if (n.approveUrl(NAME).isEmpty() || n.rejectUrl(NAME).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "http, Approve, "
            + quoted(n.approveUrl(NAME).get())
            + ", method=POST, clear=true; http, Reject, "
            + quoted(n.rejectUrl(NAME).get())
            + ", method=POST, clear=true");
  }

  /** A value of ntfy's short action format, quoted when it holds a separator. */
  private static String quoted(String v) {
    String s = headerSafe(v);
    return s.contains(",") || s.contains(";") ? "\"" + s.replace("\"", "%22") + "\"" : s;
  }

  /** Header values: printable ASCII only (ntfy reads UTF-8 titles, but the JDK sends Latin-1). */
  private static String headerSafe(String v) {
    StringBuilder sb = new StringBuilder(v.length());
    for (char c : v.toCharArray()) {
      sb.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return sb.toString();
  }

  private static String capitalised(String s) {
    if (s == null || s.isEmpty()) {
      return "Decided";
    }
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
