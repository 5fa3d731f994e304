package dev.homelab.remediation.llm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RulesProposerTest {

  @ParameterizedTest(name = "{0} (service: {1}) -> {2}")
  @CsvSource({
    "disk_pressure, true, notify",
    "DISK_PRESSURE, true, notify",
    "memory_pressure, true, notify",
    "node_offline, false, notify",
    "node_offline, true, notify",
    "container_restarting, true, restart",
    "service_unhealthy, true, restart",
    "container_died, true, restart",
    "oom_killed, true, restart",
    "crash_loop, true, restart",
    "deploy_failed, true, redeploy",
    "image_pull_backoff, true, redeploy",
    "rollout_failed, true, redeploy",
    "container_crashed_again, true, restart",
    "new_image_available, true, redeploy",
    "inode_disk_low, true, notify",
    "container_died, false, notify",
    "kernel_panic, false, notify",
    "something_new, true, notify",
    "'', true, notify"
  })
  void table(String type, boolean hasService, String action) {
    assertThat(RulesProposer.action(type.toLowerCase(java.util.Locale.ROOT), hasService))
        .isEqualTo(action);
  }

  @Test
  void answersAlwaysNeedAHumanWithHalfConfidenceAndTheEventsTarget() {
    ModelAnswer a =
        new RulesProposer()
            .propose(
                TestEvents.request(
                    TestEvents.event("solaria", "redis", "container_died", "exit 137")));
    assertThat(a.action()).isEqualTo("restart");
    assertThat(a.requiresHuman()).isTrue();
    assertThat(a.confidence()).isEqualTo(0.5);
    assertThat(a.model()).isEqualTo("rules");
    assertThat(a.target()).isEqualTo("solaria/redis");
    assertThat(a.reason()).contains("container_died").contains("solaria/redis").isNotBlank();
  }

  @Test
  void nodeLevelEventTargetsTheNode() {
    ModelAnswer a =
        new RulesProposer()
            .propose(TestEvents.request(TestEvents.event("boreal", null, "node_offline", null)));
    assertThat(a.action()).isEqualTo("notify");
    assertThat(a.target()).isEqualTo("boreal");
  }
}
