package dev.homelab.remediation.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directory's lock within one process (two processes: LocalModeE2E): held, refused with
 * the holder named, released on close, and a lock file that cannot be opened refused clearly.
 */
class DataDirLockTest {
  @TempDir Path dir;

  @Test
  void theLockFileNamesItsHolderAndASecondTakeIsRefusedNamingIt() throws Exception {
    try (DataDirLock held = DataDirLock.take(dir)) {
      String pid = Long.toString(ProcessHandle.current().pid());
      assertThat(Files.readString(dir.resolve(DataDirLock.FILE), StandardCharsets.US_ASCII))
          .isEqualTo(pid + "\n");
      assertThatThrownBy(() -> DataDirLock.take(dir))
          .isInstanceOf(LocalStartException.class)
          .hasMessageContaining("another local mode (process " + pid + ")")
          .hasMessageContaining(dir.toString())
          .hasMessageContaining("--data-dir");
    }
    // Released: the next local mode takes it.
    DataDirLock.take(dir).close();
  }

  @Test
  void aLockFileThatCannotBeOpenedStopsTheStartNamingIt() throws Exception {
    Files.createDirectory(dir.resolve(DataDirLock.FILE)); // a directory where the file should be
    assertThatThrownBy(() -> DataDirLock.take(dir))
        .isInstanceOf(LocalStartException.class)
        .hasMessageStartingWith("cannot open " + dir.resolve(DataDirLock.FILE) + ": ");
  }
}
