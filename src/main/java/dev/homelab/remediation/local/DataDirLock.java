package dev.homelab.remediation.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One local mode per data directory: an exclusive lock on its {@code .lock} file, held while local
 * mode runs and released by the operating system when the process ends, however it ends. Two
 * instances on one directory would share its stored objects, its files and its kubeconfig, each
 * with an API server of its own that does not see what the other writes.
 */
final class DataDirLock implements AutoCloseable {
  static final String FILE = ".lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code dataDir}, which exists, and writes this process's id into it.
   *
   * @throws LocalStartException when another process holds it, naming that process, or when the
   *     lock file cannot be opened
   */
  static DataDirLock take(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    FileChannel channel;
    try {
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new LocalStartException("cannot open " + file + ": " + LocalMode.describe(e));
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // this process holds it already
    } catch (IOException e) {
      closeQuietly(channel);
      throw new LocalStartException(
          "cannot lock "
              + file
              + " (one local mode per data directory): "
              + LocalMode.describe(e)
              + "; put the data directory on a local filesystem with --data-dir or "
              + LocalSettings.DATA_DIR_ENV);
    }
    if (lock == null) {
      String holder = holder(file);
      closeQuietly(channel);
      throw new LocalStartException(
          "another local mode"
              + (holder.isEmpty() ? "" : " (process " + holder + ")")
              + " runs with the data directory "
              + dataDir
              + "; stop it first, or give this one its own with --data-dir or "
              + LocalSettings.DATA_DIR_ENV
              + " (and other ports)");
    }
    try {
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap(
              (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
          0);
    } catch (IOException e) {
      // The lock holds without the process id in it; only the message of a refusal lacks it.
    }
    return new DataDirLock(channel, lock);
  }

  private static String holder(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      return "";
    }
  }

  private static void closeQuietly(FileChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // nothing held yet
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // released with the channel below, or when the process ends
    }
    closeQuietly(channel);
  }
}
