package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisConnectorTest {
  @Test
  void aCommandIsAnArrayOfBulkStringsCountedInUtf8Bytes() {
    assertThat(new String(RedisConnector.command("AUTH", "pässwörd"), StandardCharsets.UTF_8))
        .isEqualTo("*2\r\n$4\r\nAUTH\r\n$10\r\npässwörd\r\n");
    assertThat(new String(RedisConnector.command("CLIENT", "ID"), StandardCharsets.UTF_8))
        .isEqualTo("*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n");
  }

  /**
   * A receive buffer is asked for only where the kernel grants it: below, a request would cap the
   * buffer at rmem_max (208 KiB by default) and turn autotuning off, which grows it further.
   */
  @Test
  void theReceiveBufferIsAskedForOnlyWhereTheKernelGrantsIt(@TempDir Path dir) throws IOException {
    Path rmemMax = dir.resolve("rmem_max");
    Files.writeString(rmemMax, "212992\n");
    assertThat(RedisConnector.askForReceiveBuffer(rmemMax, true)).as("a default kernel").isFalse();
    Files.writeString(rmemMax, (RedisConnector.RECEIVE_BUFFER - 1) + "\n");
    assertThat(RedisConnector.askForReceiveBuffer(rmemMax, true)).isFalse();
    Files.writeString(rmemMax, RedisConnector.RECEIVE_BUFFER + "\n");
    assertThat(RedisConnector.askForReceiveBuffer(rmemMax, true)).as("a tuned one").isTrue();
    Files.writeString(rmemMax, "lots");
    assertThat(RedisConnector.askForReceiveBuffer(rmemMax, true)).as("unreadable").isFalse();
    Path absent = dir.resolve("absent");
    assertThat(RedisConnector.askForReceiveBuffer(absent, true))
        .as("a pod's network namespace before kernel 6.10: no file, the host's cap")
        .isFalse();
    assertThat(RedisConnector.askForReceiveBuffer(absent, false)).as("not Linux").isTrue();
  }

  /**
   * The connection asks for the receive buffer exactly when the kernel grants it: otherwise it is
   * left as an untouched socket's, for autotuning (on this machine's kernel, whichever it is).
   */
  @Test
  void aConnectionLeavesTheReceiveBufferToTheKernelUnlessItGrantsTheRequest() throws IOException {
    try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        Socket untouched = new Socket()) {
      untouched.connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()));
      RedisConnector connector =
          new RedisConnector(
              RedisURI.create(
                  "redis://"
                      + server.getInetAddress().getHostAddress()
                      + ":"
                      + server.getLocalPort()));
      try (Socket s = connector.open()) {
        boolean linux = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux");
        if (RedisConnector.askForReceiveBuffer(Path.of("/proc/sys/net/core/rmem_max"), linux)) {
          assertThat(s.getReceiveBufferSize())
              .isGreaterThanOrEqualTo(RedisConnector.RECEIVE_BUFFER);
        } else {
          assertThat(s.getReceiveBufferSize()).isEqualTo(untouched.getReceiveBufferSize());
        }
      }
    }
  }
}
