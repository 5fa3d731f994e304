package dev.homelab.remediation.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.local.LocalMode;
import dev.homelab.remediation.local.LocalSettings;
import dev.homelab.remediation.support.TestRedis;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What local mode prints once it runs, with approval links on and off: a local mode started in this
 * JVM against a real Redis (so no embedded one), on free ports.
 */
class LocalBannerTest {
  static TestRedis redis;
  @TempDir Path tmp;

  @BeforeAll
  static void redis() {
    redis = new TestRedis();
  }

  @AfterAll
  static void stop() {
    redis.close();
  }

  String banner(Map<String, String> extra) throws Exception {
    Map<String, String> env = new HashMap<>(extra);
    env.put("REDIS_URL", redis.url());
    env.put("HTTP_PORT", Integer.toString(TestRedis.freePort()));
    LocalSettings s =
        LocalSettings.resolve(
            env, Map.of(), TestRedis.freePort(), TestRedis.freePort(), tmp.resolve("local-data"));
    try (LocalMode local = LocalMode.start(s, false, "127.0.0.1")) {
      return LocalCommand.nextSteps(local);
    }
  }

  @Test
  void withApprovalLinksOnTheBannerSaysWhereTheyAreServedAndHow() throws Exception {
    int port = TestRedis.freePort();
    String banner =
        banner(
            Map.of(
                "APPROVAL_LINK_BASE_URL",
                "http://nas.local:" + port,
                "APPROVAL_LINK_SECRET",
                "0123456789abcdef0123456789abcdef",
                "APPROVAL_PORT",
                Integer.toString(port)));
    assertThat(banner)
        .contains(
            "  approval links  http://nas.local:"
                + port
                + "  (port "
                + port
                + " on every interface, signed tokens only)\n"); // as `local` binds them
    assertThat(banner).contains("(REDIS_URL)");
  }

  @Test
  void withoutApprovalLinksTheBannerHasNoLineForThem() throws Exception {
    assertThat(banner(Map.of())).doesNotContain("approval links");
  }
}
