package dev.homelab.remediation.support;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A small tmpfs mounted on a test's directory, for a disk that is really full or read-only. It
 * needs root: where that is missing, the test is skipped (an assumption), not failed.
 */
public final class Tmpfs implements AutoCloseable {
  private final Path dir;

  private Tmpfs(Path dir) {
    this.dir = dir;
  }

  /** Mounts a tmpfs with {@code options} (for example {@code size=8k}, {@code ro,size=8k}). */
  public static Tmpfs mount(Path dir, String options) throws IOException, InterruptedException {
    Process mount =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString())
            .redirectErrorStream(true)
            .start();
    mount.getInputStream().readAllBytes();
    assumeTrue(mount.waitFor() == 0, "cannot mount a tmpfs here (needs root)");
    return new Tmpfs(dir);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    new ProcessBuilder("umount", dir.toString()).start().waitFor();
  }
}
