package dev.homelab.remediation.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A heartbeat file that could never be written is found at start, naming the setting. */
class HeartbeatTest {
  @TempDir Path tmp;

  @Test
  void aFileInADirectoryThatTakesItIsFine() throws Exception {
    Path beat = tmp.resolve("heartbeat");
    assertThat(Heartbeat.problem("HEARTBEAT_FILE", beat)).isEmpty();
    assertThat(new Heartbeat(beat, () -> Check.ok("leader"), Clock.systemUTC()).beat()).isTrue();
    assertThat(Files.readString(beat)).endsWith("Z\n");
    assertThat(Files.list(tmp).map(p -> p.getFileName().toString()).toList())
        .as("no probe left behind")
        .containsExactly("heartbeat");
  }

  @Test
  void aMissingDirectoryIsNamed() {
    Path beat = tmp.resolve("run/remediation/heartbeat");
    assertThat(Heartbeat.problem("HEARTBEAT_FILE", beat))
        .hasValue(
            "HEARTBEAT_FILE "
                + beat
                + ": the directory "
                + tmp.resolve("run/remediation")
                + " does not exist");
    assertThat(new Heartbeat(beat, () -> Check.ok("leader"), Clock.systemUTC()).beat()).isFalse();
  }

  @Test
  void aDirectoryInItsPlaceOrAFileAsItsDirectoryIsNamed() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("beat"));
    assertThat(Heartbeat.problem("HEARTBEAT_FILE", dir))
        .hasValue("HEARTBEAT_FILE " + dir + " is a directory");
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    assertThat(Heartbeat.problem("HEARTBEAT_FILE", file.resolve("beat")))
        .get()
        .asString()
        .startsWith("HEARTBEAT_FILE " + file.resolve("beat") + ": the directory");
  }
}
