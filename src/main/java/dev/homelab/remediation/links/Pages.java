package dev.homelab.remediation.links;

import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import dev.homelab.remediation.decision.SafetyPolicy;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The small HTML pages of the approval links: the confirmation a {@code GET} shows (its button
 * POSTs to the same address), and the answers. No scripts, no outside resources; every value from
 * the proposal is escaped.
 */
final class Pages {
  private Pages() {}

  /** The confirmation page: what the proposal is, and one button that POSTs the same link. */
  static String confirm(RemediationProposal p, Verdict verdict, Instant expiresAt) {
    String verb = verdict == Verdict.APPROVE ? "Approve" : "Reject";
    StringBuilder body = new StringBuilder();
    body.append("<h1>")
        .append(verb)
        .append(" ")
        .append(escape(what(p)))
        .append("?</h1>\n")
        .append(details(p, expiresAt))
        .append("<form method=\"post\">")
        .append("<button type=\"submit\">")
        .append(verb)
        .append("</button></form>\n")
        .append("<p>Nothing changes until you press the button.</p>\n");
    return page(verb + " remediation", body.toString());
  }

  /** The answer to a POST that decided the proposal. */
  static String decided(RemediationProposal p, Verdict verdict, String by) {
    String done = verdict == Verdict.APPROVE ? "Approved" : "Rejected";
    String next =
        verdict != Verdict.APPROVE
            ? "Nothing will be done for it."
            : p.getStatus() != null && SafetyPolicy.isIgnore(p.getStatus().getProposal())
                ? "It is to do nothing: it closes with nothing written."
                : "The operator writes the pending action for the executor shortly.";
    return page(
        done,
        "<h1>"
            + done
            + ": "
            + escape(what(p))
            + "</h1>\n<p>Recorded as approved-by "
            + escape(by)
            + ". "
            + next
            + "</p>\n");
  }

  /** An answer that changed nothing: its title and why. */
  static String refused(String title, String detail) {
    return page(
        title,
        "<h1>" + escape(title) + "</h1>\n<p>" + escape(detail) + " Nothing was changed.</p>\n");
  }

  static String what(RemediationProposal p) {
    RemediationProposalSpec spec = p.getSpec();
    ProposedAction a = p.getStatus() == null ? null : p.getStatus().getProposal();
    String action = a == null || a.getAction() == null ? "remediation" : a.getAction();
    String target = spec == null || spec.getSvcKey() == null ? "" : " of " + spec.getSvcKey();
    return action + target;
  }

  private static String details(RemediationProposal p, Instant expiresAt) {
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("Proposal", p.getMetadata().getNamespace() + "/" + p.getMetadata().getName());
    RemediationProposalSpec spec = p.getSpec();
    if (spec != null) {
      rows.put("Event", spec.getEventType());
      rows.put("Severity", spec.getSeverity());
      rows.put("Message", spec.getMessage());
    }
    ProposedAction a = p.getStatus() == null ? null : p.getStatus().getProposal();
    if (a != null) {
      rows.put("Action", a.getAction());
      rows.put("Reason", a.getReason());
      rows.put("Confidence", a.getConfidence() == null ? null : a.getConfidence().toString());
      rows.put("Model", a.getModel());
      rows.put(
          "Policy rules",
          a.getPolicyRules() == null || a.getPolicyRules().isEmpty()
              ? null
              : String.join(", ", a.getPolicyRules()));
    }
    if (p.getStatus() != null && p.getStatus().getOccurrences() != null) {
      rows.put("Occurrences", p.getStatus().getOccurrences().toString());
    }
    rows.put("Link expires", expiresAt.toString());
    StringBuilder sb = new StringBuilder("<table>\n");
    rows.forEach(
        (k, v) -> {
          if (v != null && !v.isEmpty()) {
            sb.append("<tr><th>")
                .append(escape(k))
                .append("</th><td>")
                .append(escape(v))
                .append("</td></tr>\n");
          }
        });
    return sb.append("</table>\n").toString();
  }

  private static String page(String title, String body) {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<meta name=\"robots\" content=\"noindex\">"
        + "<title>"
        + escape(title)
        + "</title><style>body{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}"
        + "th{text-align:left;padding-right:1em;vertical-align:top}"
        + "button{font-size:1.2em;padding:.5em 2em;margin-top:1em}</style></head><body>\n"
        + body
        + "</body></html>\n";
  }

  static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
      }
    }
    return sb.toString();
  }
}
