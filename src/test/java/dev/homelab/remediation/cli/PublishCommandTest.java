package dev.homelab.remediation.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.support.RawSubscriber;
import dev.homelab.remediation.support.TestRedis;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code publish} against a real Redis: an event the operator's intake would reject is still sent
 * (trying out rejections is a use of it), with a warning that says why; a good one without.
 */
class PublishCommandTest {
  static TestRedis redis;

  @BeforeAll
  static void startRedis() {
    redis = new TestRedis();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  record Run(int code, String out, String err) {}

  static Run publish(String... args) {
    CommandLine cl = new CommandLine(new PublishCommand());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    String[] all = new String[args.length + 2];
    all[0] = "--redis-url";
    all[1] = redis.url();
    System.arraycopy(args, 0, all, 2, args.length);
    return new Run(cl.execute(all), out.toString(), err.toString());
  }

  @Test
  void anEventTheIntakeRejectsIsSentWithAWarningThatSaysWhy() throws Exception {
    try (RawSubscriber sub = new RawSubscriber(redis.port(), "health_events")) {
      Run bad = publish("{\"event_type\":\"service_unhealthy\",\"service\":\"redis\"}");
      assertThat(bad.code()).as(bad.err()).isZero();
      assertThat(bad.err().strip())
          .startsWith(
              "remediation-operator publish: warning: the operator rejects this event (no_node")
          .endsWith("it is published all the same");
      assertThat(bad.out()).contains("received by 1 subscriber");

      Run good = publish("--sample", "zigbee");
      assertThat(good.code()).as(good.err()).isZero();
      assertThat(good.err()).isEmpty();
      await().atMost(Duration.ofSeconds(10)).until(() -> sub.messages() == 2);
    }
  }

  /**
   * REDIS_PASSWORD with a user in the URL logs in as that ACL user, as the intake does: the default
   * user's password is another here, so logging in as the default user would be refused.
   */
  @Test
  void aPasswordKeepsTheAclUserOfTheUrl() {
    try (TestRedis acl = new TestRedis()) {
      acl.addUser("publisher", "pub-secret");
      acl.setDefaultPassword("admin-secret");
      for (String userInfo : java.util.List.of("publisher", "publisher:replaced")) {
        PublishCommand cmd = new PublishCommand();
        cmd.env = java.util.Map.of("REDIS_PASSWORD", "pub-secret");
        CommandLine cl = new CommandLine(cmd);
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        String url = "redis://" + userInfo + "@127.0.0.1:" + acl.port();
        cl.execute("--redis-url", url, "--sample", "zigbee");
        // Logged in and sent (nobody subscribes here: that is what the exit status says).
        assertThat(err.toString())
            .as(url)
            .contains("sent service_unhealthy for chelsty/zigbee2mqtt")
            .doesNotContain("cannot publish");
      }
    }
  }

  /** The warning goes by the operator's MAX_MESSAGE_BYTES, as the intake does. */
  @Test
  void theWarningGoesByTheMessageLimitGiven() throws Exception {
    var event =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\"}");
    assertThat(PublishCommand.rejection(event, 65536)).isNull();
    assertThat(PublishCommand.rejection(event, 16)).startsWith("too_large");
  }
}
