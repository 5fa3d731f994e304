package dev.homelab.remediation.decision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.ProposedAction;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafetyPolicyTest {
  static final PolicyConfig POLICY =
      new PolicyConfig(Set.of("chelsty"), Set.of("disk_pressure"), 0.7);
  static final SafetyPolicy.Subject SOLARIA =
      new SafetyPolicy.Subject("solaria", "service_unhealthy", "solaria/ollama");

  static SafetyPolicy.Answer answer(
      String action, double confidence, boolean human, String target) {
    return new SafetyPolicy.Answer(
        action, "because", confidence, human, target, "ollama/llama3.1:8b");
  }

  @Test
  void confidentAnswerOnAnOrdinaryNodePassesUnchanged() {
    ProposedAction p =
        SafetyPolicy.apply(answer("restart", 0.9, false, "solaria/ollama"), SOLARIA, POLICY);
    assertThat(p.getAction()).isEqualTo("restart");
    assertThat(p.getExecutorType()).isEqualTo("restart_service");
    assertThat(p.getRequiresHuman()).isFalse();
    assertThat(p.getTarget()).isEqualTo("solaria/ollama");
    assertThat(p.getPolicyRules()).isEmpty();
    assertThat(p.getModel()).isEqualTo("ollama/llama3.1:8b");
    assertThat(SafetyPolicy.phaseFor(p)).isEqualTo(Phase.Approved);
  }

  @Test
  void alwaysHumanNode() {
    var chelsty = new SafetyPolicy.Subject("chelsty", "service_unhealthy", "chelsty/zigbee2mqtt");
    ProposedAction p = SafetyPolicy.apply(answer("restart", 0.95, false, null), chelsty, POLICY);
    assertThat(p.getRequiresHuman()).isTrue();
    assertThat(p.getPolicyRules()).containsExactly("always-human-node");
    assertThat(SafetyPolicy.phaseFor(p)).isEqualTo(Phase.AwaitingApproval);
  }

  @Test
  void notifyOnlyEvent() {
    var disk = new SafetyPolicy.Subject("solaria", "disk_pressure", "solaria");
    ProposedAction p = SafetyPolicy.apply(answer("restart", 0.95, false, null), disk, POLICY);
    assertThat(p.getAction()).isEqualTo("notify");
    assertThat(p.getExecutorType()).isEqualTo("notify");
    assertThat(p.getPolicyRules()).containsExactly("notify-only-event");
    ProposedAction ignore = SafetyPolicy.apply(answer("ignore", 0.95, false, null), disk, POLICY);
    assertThat(ignore.getAction()).isEqualTo("notify");
  }

  @Test
  void lowConfidence() {
    ProposedAction p = SafetyPolicy.apply(answer("redeploy", 0.69, false, null), SOLARIA, POLICY);
    assertThat(p.getRequiresHuman()).isTrue();
    assertThat(p.getPolicyRules()).containsExactly("min-confidence");
    ProposedAction edge = SafetyPolicy.apply(answer("redeploy", 0.7, false, null), SOLARIA, POLICY);
    assertThat(edge.getRequiresHuman()).isFalse();
  }

  @Test
  void targetIsPinnedToTheEventsSvcKey() {
    ProposedAction p =
        SafetyPolicy.apply(
            answer("restart", 0.9, false, "chelsty/home-assistant"), SOLARIA, POLICY);
    assertThat(p.getTarget()).isEqualTo("solaria/ollama");
    assertThat(p.getPolicyRules()).containsExactly("target-pinned");
  }

  @Test
  void modelsRequiresHumanIsNeverTurnedOff() {
    ProposedAction p = SafetyPolicy.apply(answer("restart", 0.99, true, null), SOLARIA, POLICY);
    assertThat(p.getRequiresHuman()).isTrue();
    assertThat(p.getPolicyRules()).isEmpty();
  }

  @Test
  void rulesProposerAlwaysNeedsAHuman() {
    var a = new SafetyPolicy.Answer("restart", "rule", 0.99, false, null, "rules");
    ProposedAction p = SafetyPolicy.apply(a, SOLARIA, POLICY);
    assertThat(p.getRequiresHuman()).isTrue();
    assertThat(p.getPolicyRules()).containsExactly("rules-proposer");
  }

  @Test
  void allRulesTogether() {
    var s = new SafetyPolicy.Subject("chelsty", "disk_pressure", "chelsty");
    ProposedAction p =
        SafetyPolicy.apply(answer("redeploy", 0.2, false, "solaria/redis"), s, POLICY);
    assertThat(p.getAction()).isEqualTo("notify");
    assertThat(p.getRequiresHuman()).isTrue();
    assertThat(p.getTarget()).isEqualTo("chelsty");
    assertThat(p.getPolicyRules())
        .containsExactly("always-human-node", "notify-only-event", "target-pinned");
  }

  @Test
  void ignoreNeedsNothingWritten() {
    ProposedAction p = SafetyPolicy.apply(answer("ignore", 0.9, false, null), SOLARIA, POLICY);
    assertThat(p.getExecutorType()).isNull();
    assertThat(SafetyPolicy.phaseFor(p)).isEqualTo(Phase.Ignored);
  }

  @Test
  void anIgnoreThatNeedsAHumanWaitsForOne() {
    ProposedAction unsure = SafetyPolicy.apply(answer("ignore", 0.2, false, null), SOLARIA, POLICY);
    assertThat(unsure.getPolicyRules()).contains("min-confidence");
    assertThat(SafetyPolicy.phaseFor(unsure)).isEqualTo(Phase.AwaitingApproval);
    ProposedAction asked = SafetyPolicy.apply(answer("ignore", 0.95, true, null), SOLARIA, POLICY);
    assertThat(SafetyPolicy.phaseFor(asked)).isEqualTo(Phase.AwaitingApproval);
    assertThat(asked.getExecutorType()).isNull();
  }

  /** Rule 7 is about actions: an ignore spends no budget and repeats nothing. */
  @Test
  void aSpentBudgetOrARecurrenceDoesNotMakeAnIgnoreWait() {
    var history = new SafetyPolicy.History(true, true);
    ProposedAction ignore =
        SafetyPolicy.apply(answer("ignore", 0.95, false, null), SOLARIA, POLICY, history);
    assertThat(ignore.getRequiresHuman()).isFalse();
    assertThat(SafetyPolicy.phaseFor(ignore)).isEqualTo(Phase.Ignored);
    ProposedAction restart =
        SafetyPolicy.apply(answer("restart", 0.95, false, null), SOLARIA, POLICY, history);
    assertThat(restart.getPolicyRules()).contains("budget-exhausted");
  }

  @Test
  void rulesCanBeTurnedOff() {
    var off = new PolicyConfig(Set.of(), Set.of(), 0.0);
    var chelsty = new SafetyPolicy.Subject("chelsty", "disk_pressure", "chelsty/zigbee2mqtt");
    ProposedAction p = SafetyPolicy.apply(answer("restart", 0.1, false, null), chelsty, off);
    assertThat(p.getAction()).isEqualTo("restart");
    assertThat(p.getRequiresHuman()).isFalse();
  }

  @ParameterizedTest
  @CsvSource({"restart", "redeploy"})
  void aNodeLevelIncidentIsNeverAServiceRestartEvenWithEveryRuleOff(String action) {
    var off = new PolicyConfig(Set.of(), Set.of(), 0.0);
    var node = new SafetyPolicy.Subject("solaria", "node_offline", "solaria");
    ProposedAction p = SafetyPolicy.apply(answer(action, 0.9, false, null), node, off);
    assertThat(p.getAction()).isEqualTo("notify");
    assertThat(p.getExecutorType()).isEqualTo("notify");
    assertThat(p.getPolicyRules()).containsExactly(PolicyRule.NODE_LEVEL.id());
    assertThat(p.getTarget()).isEqualTo("solaria");
  }

  @Test
  void aNodeLevelNotifyOrIgnoreIsKept() {
    var node = new SafetyPolicy.Subject("solaria", "node_offline", "solaria");
    assertThat(SafetyPolicy.apply(answer("ignore", 0.9, false, null), node, POLICY).getAction())
        .isEqualTo("ignore");
    assertThat(
            SafetyPolicy.apply(answer("notify", 0.9, false, null), node, POLICY).getPolicyRules())
        .doesNotContain(PolicyRule.NODE_LEVEL.id());
  }

  @ParameterizedTest
  @CsvSource({"restart,restart_service", "redeploy,redeploy_service", "notify,notify"})
  void executorTypes(String action, String type) {
    assertThat(SafetyPolicy.executorType(action)).isEqualTo(type);
  }
}
