package dev.homelab.remediation.dispatch;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the operator may write its files into a directory that exists: a hostPath the kubelet
 * created for the pod (DirectoryOrCreate) is root's, and the pod runs as uid 1000 (the chart's
 * default runAsUser; the hint names the process's own ids). Only a refused permission stops
 * start-up; a read-only or full disk is left to the dispatch's retries (SPEC 7). Found at start,
 * that is one clear line; found at the first dispatch it would be an approved proposal retrying for
 * ever. A directory that does not exist yet is left to the dispatch, which retries until it appears
 * (docs/reliability.md).
 */
public final class DirectoryCheck {
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryCheck.class);

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
      boolean permission =
          e instanceof AccessDeniedException
              || (e instanceof FileSystemException f
                  && "Operation not permitted".equals(f.getReason()));
      if (!permission) {
        // A read-only or full disk: SPEC 7 has the dispatch retry it, so start anyway.
        LOG.atWarn()
            .addKeyValue("setting", setting)
            .log(
                "{} cannot be written now ({}); dispatches retry until it can",
                dir,
                e.getMessage());
        return Optional.empty();
      }
      String why = e instanceof AccessDeniedException ? "permission denied" : "not permitted";
      return Optional.of(
          setting
              + " "
              + dir
              + " is not writable by this process ("
              + why
              + "); on the node: sudo install -d -o "
              + self("unix:uid")
              + " -g "
              + self("unix:gid")
              + " "
              + dir
              + " (docs/install.md)");
    }
  }

  /**
   * This process's user or group id ({@code unix:uid}, {@code unix:gid}), as its {@code /proc}
   * entry is owned: the chart's runAsUser/runAsGroup, 1000 by default (the default when unknown).
   */
  static String self(String attribute) {
    try {
      return String.valueOf(Files.getAttribute(Path.of("/proc/self"), attribute));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "1000";
    }
  }
}
