package dev.homelab.remediation.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.homelab.remediation.support.ReadOnlyDirs;
import dev.homelab.remediation.support.Tmpfs;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryCheckTest {
  @TempDir Path tmp;

  @Test
  void aWritableOrMissingDirectoryIsFineAndLeavesNothingBehind() throws Exception {
    assertThat(DirectoryCheck.unwritable("EVENTS_DIR", tmp)).isEmpty();
    try (var files = Files.list(tmp)) {
      assertThat(files).isEmpty();
    }
    assertThat(DirectoryCheck.unwritable("EVENTS_DIR", tmp.resolve("later"))).isEmpty();
  }

  /** The ids the hint gives are this process's own (runAsUser/runAsGroup may not be 1000). */
  @Test
  void theHintNamesTheProcesssOwnIds() {
    var self = new com.sun.security.auth.module.UnixSystem();
    assertThat(DirectoryCheck.self("unix:uid")).isEqualTo(Long.toString(self.getUid()));
    assertThat(DirectoryCheck.self("unix:gid")).isEqualTo(Long.toString(self.getGid()));
  }

  @Test
  void aFileIsNotADirectory() throws Exception {
    Path file = Files.createFile(tmp.resolve("f"));
    assertThat(DirectoryCheck.unwritable("EVENTS_DIR", file))
        .hasValue("EVENTS_DIR " + file + " is not a directory");
  }

  @Test
  void aReadOnlyDirectoryIsNamedWithItsSettingAndTheFix() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("pending"));
    assumeTrue(ReadOnlyDirs.makeReadOnly(dir), "cannot make a directory read-only here");
    try {
      assertThat(DirectoryCheck.unwritable("PENDING_ACTIONS_DIR", dir))
          .hasValueSatisfying(
              m ->
                  assertThat(m)
                      .startsWith("PENDING_ACTIONS_DIR " + dir + " is not writable")
                      .contains(
                          "sudo install -d -o "
                              + new com.sun.security.auth.module.UnixSystem().getUid()
                              + " -g "
                              + new com.sun.security.auth.module.UnixSystem().getGid()
                              + " "
                              + dir));
    } finally {
      ReadOnlyDirs.makeWritable(dir);
    }
  }

  /**
   * A read-only file system is not the pod's permissions: SPEC 7 has the dispatch retry it, so
   * start-up goes on (and a permission check that took it for one would crash-loop the pod).
   */
  @Test
  void aReadOnlyFileSystemIsLeftToTheDispatchRetries() throws Exception {
    Path ro = Files.createDirectory(tmp.resolve("ro"));
    try (Tmpfs mounted = Tmpfs.mount(ro, "ro,size=8k")) {
      assertThatThrownBy(() -> Files.createFile(ro.resolve("probe")))
          .isInstanceOf(FileSystemException.class)
          .hasMessageContaining("Read-only file system");
      assertThat(DirectoryCheck.unwritable("EVENTS_DIR", ro)).isEmpty();
    }
  }
}
