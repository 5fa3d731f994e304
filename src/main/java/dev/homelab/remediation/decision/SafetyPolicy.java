package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Applies the safety policy to a proposer's answer, in code, after the model answered. Each rule
 * can only tighten: a model's requires_human is never turned off, an action is only ever turned
 * into notify, and the target is always the event's own svcKey.
 */
public final class SafetyPolicy {
  public static final String RULES_MODEL = "rules";

  /** What the proposer answered (already schema-valid). */
  public record Answer(
      String action,
      String reason,
      double confidence,
      boolean requiresHuman,
      String target,
      String model) {}

  /** The event the proposal is about. */
  public record Subject(String node, String eventType, String svcKey) {
    /** A node-level incident has no service: its svcKey is the node alone. */
    public boolean nodeLevel() {
      return svcKey == null || svcKey.indexOf('/') < 0;
    }
  }

  /**
   * What the svcKey's past actions say (SPEC 4 rule 7): whether REMEDIATION_BUDGET's
   * policy-approved dispatches are used up, and whether the last action recurred.
   */
  public record History(boolean budgetExhausted, boolean previousRecurred) {
    public static final History NONE = new History(false, false);
  }

  private SafetyPolicy() {}

  public static ProposedAction apply(Answer answer, Subject subject, PolicyConfig policy) {
    return apply(answer, subject, policy, History.NONE);
  }

  public static ProposedAction apply(
      Answer answer, Subject subject, PolicyConfig policy, History history) {
    List<String> fired = new ArrayList<>();
    String action = answer.action().toLowerCase(Locale.ROOT);
    boolean human = answer.requiresHuman();

    if (policy.alwaysHumanNodes().contains(subject.node()) && !human) {
      human = true;
      fired.add(PolicyRule.ALWAYS_HUMAN_NODE.id());
    }
    if (policy.notifyOnlyEvents().contains(subject.eventType()) && !"notify".equals(action)) {
      action = "notify";
      fired.add(PolicyRule.NOTIFY_ONLY_EVENT.id());
    }
    if (subject.nodeLevel() && ("restart".equals(action) || "redeploy".equals(action))) {
      action = "notify"; // there is no service to restart (SPEC 4, rule 6)
      fired.add(PolicyRule.NODE_LEVEL.id());
    }
    if (answer.confidence() < policy.minConfidence() && !human) {
      human = true;
      fired.add(PolicyRule.MIN_CONFIDENCE.id());
    }
    if (RULES_MODEL.equals(answer.model()) && !human) {
      human = true;
      fired.add(PolicyRule.RULES_PROPOSER.id());
    }
    // Rule 7 is about what gets done: an ignore does nothing, spends no budget, repeats nothing.
    boolean acts = !"ignore".equals(action);
    if (acts && history.budgetExhausted() && !human) {
      human = true;
      fired.add(PolicyRule.BUDGET_EXHAUSTED.id());
    }
    if (acts && history.previousRecurred() && !human) {
      human = true;
      fired.add(PolicyRule.PREVIOUS_ACTION_RECURRED.id());
    }
    if (answer.target() != null
        && !answer.target().isBlank()
        && !answer.target().equalsIgnoreCase(subject.svcKey())) {
      fired.add(PolicyRule.TARGET_PINNED.id());
    }

    ProposedAction p = new ProposedAction();
    p.setAction(action);
    p.setExecutorType(executorType(action));
    p.setTarget(subject.svcKey());
    p.setReason(answer.reason());
    p.setConfidence(answer.confidence());
    p.setRequiresHuman(human);
    p.setModel(answer.model());
    p.setPolicyRules(fired);
    return p;
  }

  /** restart → restart_service, redeploy → redeploy_service, notify → notify, ignore → none. */
  public static String executorType(String action) {
    return switch (action) {
      case "restart" -> "restart_service";
      case "redeploy" -> "redeploy_service";
      case "notify" -> "notify";
      default -> null;
    };
  }

  /**
   * The phase a proposal moves to once it has a (policy-checked) proposal. An {@code ignore} that
   * needs a human (an always-human node, low confidence, the model's own requires_human) waits for
   * a person like any other action: approving it closes the incident with nothing written.
   */
  public static Phase phaseFor(ProposedAction p) {
    boolean human = Boolean.TRUE.equals(p.getRequiresHuman());
    if (isIgnore(p)) {
      return human ? Phase.AwaitingApproval : Phase.Ignored;
    }
    return human ? Phase.AwaitingApproval : Phase.Approved;
  }

  /** The proposal is to do nothing: there is no executor type and no file to write. */
  public static boolean isIgnore(ProposedAction p) {
    return p != null && "ignore".equals(p.getAction());
  }
}
