package dev.homelab.remediation.dispatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either nothing or the whole file: a temporary file in the same
 * directory, fsync, rename over the target, fsync of the directory. A failure removes the temporary
 * file and leaves the target as it was.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void write(Path target, byte[] content) throws IOException {
    prepare(target, content).commit();
  }

  /**
   * A file written in full and fsynced under a hidden temporary name beside its target, not yet
   * visible: {@link #commit} renames it over the target, {@link #discard} deletes it. Where the
   * disk is full or the directory read-only, {@link #prepare} is what fails.
   */
  public static final class Prepared {
    private final Path tmp;
    private final Path target;

    private Prepared(Path tmp, Path target) {
      this.tmp = tmp;
      this.target = target;
    }

    /** Renames it into place (atomically), then fsyncs the directory. */
    public void commit() throws IOException {
      Path dir = target.getParent();
      try {
        try {
          Files.move(
              tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("file system of " + dir + " cannot rename atomically", e);
        }
      } catch (IOException | RuntimeException e) {
        discard();
        throw e;
      }
      syncDirectory(dir);
    }

    /** Deletes the temporary file, if it is still there; never throws. */
    public void discard() {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        // left as a hidden temporary file: never read as a pending action or an event
      }
    }
  }

  public static Prepared prepare(Path target, byte[] content) throws IOException {
    Path dir = target.getParent();
    if (!Files.isDirectory(dir)) {
      throw new IOException("directory " + dir + " does not exist");
    }
    Path tmp =
        dir.resolve(
            "."
                + target.getFileName()
                + ".tmp-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    return new Prepared(tmp, target);
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems cannot fsync a directory; the rename itself has happened.
    }
  }
}
