package dev.homelab.remediation.dispatch;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether the operator can write its files into a directory that exists: a hostPath the kubelet
 * created for the pod (DirectoryOrCreate) is root's, and the pod runs as uid 1000. Found at start,
 * that is one clear line; found at the first dispatch it would be an approved proposal retrying for
 * ever. A directory that does not exist yet is left to the dispatch, which retries until it appears
 * (docs/reliability.md).
 */
public final class DirectoryCheck {
  private DirectoryCheck() {}

  /**
   * @return what is wrong with {@code dir} for the setting {@code setting}, or empty when it is
   *     writable or does not exist
   */
  public static Optional<String> unwritable(String setting, Path dir) {
    if (!Files.exists(dir)) {
      return Optional.empty();
    }
    if (!Files.isDirectory(dir)) {
      return Optional.of(setting + " " + dir + " is not a directory");
    }
    try {
      // A probe as the dispatch writes: a hidden temporary file in the directory itself.
      Path probe = Files.createTempFile(dir, ".write-check-", ".tmp");
      Files.delete(probe);
      return Optional.empty();
    } catch (IOException e) {
      String why =
          e instanceof AccessDeniedException
              ? "permission denied"
              : e instanceof FileSystemException f && f.getReason() != null
                  ? f.getReason()
                  : String.valueOf(e.getMessage());
      return Optional.of(
          setting
              + " "
              + dir
              + " is not writable by this process ("
              + why
              + "); on the node: sudo install -d -o 1000 -g 1000 "
              + dir
              + " (docs/install.md)");
    }
  }
}
