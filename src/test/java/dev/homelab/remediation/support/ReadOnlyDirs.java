package dev.homelab.remediation.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * Makes a directory read-only for this process: POSIX permissions for an ordinary user; for root
 * (who ignores them), the immutable attribute via chattr. {@link #makeReadOnly} tells whether it
 * worked, so a test can assume it.
 */
public final class ReadOnlyDirs {
  private ReadOnlyDirs() {}

  public static boolean makeReadOnly(Path dir) {
    try {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
      if (!canCreate(dir)) {
        return true;
      }
      run("chattr", "+i", dir.toString());
      return !canCreate(dir);
    } catch (IOException e) {
      return false;
    }
  }

  public static void makeWritable(Path dir) {
    try {
      run("chattr", "-i", dir.toString());
    } catch (IOException e) {
      // not available: permissions alone were used
    }
    try {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean canCreate(Path dir) {
    Path probe = dir.resolve(".probe");
    try {
      Files.createFile(probe);
      Files.delete(probe);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void run(String... cmd) throws IOException {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(String.join(" ", cmd) + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
