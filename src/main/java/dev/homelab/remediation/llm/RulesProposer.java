package dev.homelab.remediation.llm;

import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code rules} link: a deterministic proposer without a model, for the end of a chain (or
 * alone, the default of local mode). Every answer has {@code requires_human = true}, {@code
 * confidence = 0.5}, {@code model = "rules"} and the event's own svcKey as target.
 *
 * <p>The event type (lower-cased) is looked up in this order; the first match wins:
 *
 * <table>
 *   <caption>rules proposer table</caption>
 *   <tr><th>event type</th><th>action</th><th>why</th></tr>
 *   <tr><td>{@code disk_pressure}, {@code disk_full}, {@code memory_pressure},
 *       {@code pid_pressure}, {@code high_load}, {@code certificate_expiring}</td>
 *       <td>notify</td><td>a restart frees no disk, memory or time</td></tr>
 *   <tr><td>{@code node_offline}, {@code node_unreachable}, {@code node_down},
 *       {@code node_not_ready}</td><td>notify</td><td>a node needs a person</td></tr>
 *   <tr><td>{@code container_restarting}, {@code container_died}, {@code container_crashed},
 *       {@code container_exited}, {@code container_oom}, {@code oom_killed},
 *       {@code crash_loop}, {@code crashloop_backoff}, {@code service_unhealthy},
 *       {@code service_down}, {@code health_check_failed}, {@code service_unresponsive}</td>
 *       <td>restart</td><td>a crashed or hung service usually recovers</td></tr>
 *   <tr><td>{@code deploy_failed}, {@code deployment_failed}, {@code rollout_failed},
 *       {@code image_pull_backoff}, {@code image_pull_failed}, {@code err_image_pull},
 *       {@code config_drift}</td><td>redeploy</td><td>the deployment itself is broken</td></tr>
 *   <tr><td>any other event of a node (no service)</td><td>notify</td>
 *       <td>there is no service to restart</td></tr>
 *   <tr><td>other types containing {@code disk}, {@code memory}, {@code pressure},
 *       {@code cert} or {@code temperature}</td><td>notify</td><td>resource problems</td></tr>
 *   <tr><td>other types containing {@code image}, {@code deploy}, {@code rollout}</td>
 *       <td>redeploy</td><td>deployment problems</td></tr>
 *   <tr><td>other types containing {@code crash}, {@code restart}, {@code died},
 *       {@code dead}, {@code exit}, {@code oom}, {@code unhealthy}, {@code down},
 *       {@code hang}, {@code stuck}</td><td>restart</td><td>crash-like</td></tr>
 *   <tr><td>anything else</td><td>notify</td><td>unknown: a person decides</td></tr>
 * </table>
 *
 * A restart or redeploy is only proposed when the event names a service; a node-level event is
 * always notify.
 */
final class RulesProposer implements ChainLink {

  static final String NAME = ChainLinkSpec.RULES_WORD;
  static final double CONFIDENCE = 0.5;

  private static final Map<String, String> EXACT =
      Map.ofEntries(
          Map.entry("disk_pressure", "notify"),
          Map.entry("disk_full", "notify"),
          Map.entry("memory_pressure", "notify"),
          Map.entry("pid_pressure", "notify"),
          Map.entry("high_load", "notify"),
          Map.entry("certificate_expiring", "notify"),
          Map.entry("node_offline", "notify"),
          Map.entry("node_unreachable", "notify"),
          Map.entry("node_down", "notify"),
          Map.entry("node_not_ready", "notify"),
          Map.entry("container_restarting", "restart"),
          Map.entry("container_died", "restart"),
          Map.entry("container_crashed", "restart"),
          Map.entry("container_exited", "restart"),
          Map.entry("container_oom", "restart"),
          Map.entry("oom_killed", "restart"),
          Map.entry("crash_loop", "restart"),
          Map.entry("crashloop_backoff", "restart"),
          Map.entry("service_unhealthy", "restart"),
          Map.entry("service_down", "restart"),
          Map.entry("health_check_failed", "restart"),
          Map.entry("service_unresponsive", "restart"),
          Map.entry("deploy_failed", "redeploy"),
          Map.entry("deployment_failed", "redeploy"),
          Map.entry("rollout_failed", "redeploy"),
          Map.entry("image_pull_backoff", "redeploy"),
          Map.entry("image_pull_failed", "redeploy"),
          Map.entry("err_image_pull", "redeploy"),
          Map.entry("config_drift", "redeploy"));

  private static final String[] NOTIFY_WORDS = {
    "disk", "memory", "pressure", "cert", "temperature"
  };
  private static final String[] REDEPLOY_WORDS = {"image", "deploy", "rollout"};
  private static final String[] RESTART_WORDS = {
    "crash", "restart", "died", "dead", "exit", "oom", "unhealthy", "down", "hang", "stuck"
  };

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ModelAnswer propose(ProposalRequest request) {
    RemediationProposalSpec e = request.event();
    String type = e.getEventType() == null ? "" : e.getEventType().toLowerCase(Locale.ROOT);
    boolean hasService = e.getService() != null && !e.getService().isBlank();
    String action = action(type, hasService);
    String reason =
        "Rules proposer (no model consulted): event type '"
            + Texts.cut(type, 64)
            + "' on "
            + e.getSvcKey()
            + " maps to "
            + action
            + "; a person must confirm.";
    return new ModelAnswer(action, reason, CONFIDENCE, true, e.getSvcKey(), NAME);
  }

  /** The action for an event type (lower case), following the table in the class comment. */
  static String action(String type, boolean hasService) {
    String exact = EXACT.get(type);
    if (exact != null) {
      return hasService ? exact : "notify";
    }
    if (!hasService || containsAny(type, NOTIFY_WORDS)) {
      return "notify";
    }
    if (containsAny(type, REDEPLOY_WORDS)) {
      return "redeploy";
    }
    if (containsAny(type, RESTART_WORDS)) {
      return "restart";
    }
    return "notify";
  }

  private static boolean containsAny(String type, String[] words) {
    for (String w : words) {
      if (type.contains(w)) {
        return true;
      }
    }
    return false;
  }
}
