package dev.homelab.remediation.bench;

import dev.homelab.remediation.support.OperatorProcess;
import dev.homelab.remediation.support.TestRedis;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why the intake reads RESP itself: three subscribers that only count, each in its own process with
 * the image's JVM flags, against a separate pipelined publisher, paced and at full speed —
 * Lettuce's pub/sub, the intake's RedisSubscriber, and a raw socket reader. Run with {@code ./mvnw
 * -B test -Pbench -Dtest=SubscriberBenchmark}.
 */
@Tag("benchmark")
class SubscriberBenchmark {
  @TempDir Path tmp;

  @Test
  void whatEachSubscriberKeepsUpWith() throws Exception {
    Path storm = StormBenchmark.messages(tmp);
    try (TestRedis redis = new TestRedis()) {
      for (String kind : List.of("lettuce", "intake", "raw")) {
        for (long rate : new long[] {200_000, 400_000, 800_000, 0}) {
          List<String> cmd = new ArrayList<>();
          cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
          cmd.addAll(OperatorProcess.JVM_FLAGS);
          cmd.addAll(
              List.of(
                  "-cp",
                  System.getProperty("java.class.path"),
                  SubscriberProbe.class.getName(),
                  kind,
                  Integer.toString(redis.port()),
                  "probe"));
          Process probe =
              new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
          BufferedReader out =
              new BufferedReader(
                  new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8));
          while (!"READY".equals(out.readLine())) {
            // its start-up lines
          }
          StormBenchmark.Published p = StormBenchmark.publish(redis, "probe", storm, 3, rate);
          Thread.sleep(2_000);
          OutputStream ask = probe.getOutputStream();
          ask.write('\n');
          ask.flush();
          String[] answer = out.readLine().trim().split(" ");
          probe.destroy();
          probe.waitFor();
          System.out.printf(
              "BENCH subscriber kind=%s rate=%s published=%d publish_rate=%.0f delivered=%d received=%s lost_subscription=%s%n",
              kind,
              rate == 0 ? "full" : Long.toString(rate),
              p.published(),
              p.perSecond(),
              p.deliveries(),
              answer[0],
              answer[1]);
        }
      }
    }
  }
}
