package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The replies the subscriber and its probe read besides pub/sub frames. */
class RespReaderTest {
  static RespReader reading(String bytes) {
    return new RespReader(
        new ByteArrayInputStream(bytes.getBytes(StandardCharsets.US_ASCII)), b -> {});
  }

  @Test
  void anIntegerReplyAndWhatRefusesOne() throws IOException {
    RespReader in =
        reading(":42\r\n-ERR unknown command 'CLIENT'\r\n+OK\r\n$2\r\nhi\r\n+PONG\r\n*1\r\n:1\r\n");
    assertThat(in.integer("CLIENT ID")).isEqualTo(42);
    assertThatThrownBy(() -> in.integer("CLIENT ID"))
        .isInstanceOf(RespReader.Refused.class)
        .hasMessage("CLIENT ID refused: ERR unknown command 'CLIENT'");
    // A stand-in that answers OK to anything: refused too, and the stream stays in step.
    assertThatThrownBy(() -> in.integer("CLIENT ID")).isInstanceOf(RespReader.Refused.class);
    // A bulk string where a number belongs: refused, read to its end.
    assertThatThrownBy(() -> in.integer("CLIENT ID")).isInstanceOf(RespReader.Refused.class);
    assertThat(in.simple("PING")).isEqualTo("PONG");
    // An array: the stream cannot be trusted any more, the connection is given up.
    assertThatThrownBy(() -> in.integer("CLIENT ID"))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(RespReader.Refused.class);
  }

  @Test
  void configGetsArrayOfBulkStrings() throws IOException {
    RespReader in =
        reading(
            "*2\r\n$26\r\nclient-output-buffer-limit\r\n$18\r\npubsub 1024 512 60\r\n-NOPERM x\r\n");
    assertThat(in.bulkStrings("CONFIG GET", 64))
        .containsExactly("client-output-buffer-limit", "pubsub 1024 512 60");
    assertThatThrownBy(() -> in.bulkStrings("CONFIG GET", 64))
        .isInstanceOf(RespReader.Refused.class);
  }

  @Test
  void aBulkStringReplyWithinItsLimit() throws IOException {
    RespReader in = reading("$5\r\nomem=\r\n$0\r\n\r\n-NOPERM no\r\n$9\r\n123456789\r\n");
    assertThat(in.bulkString("CLIENT LIST", 16)).isEqualTo("omem=");
    assertThat(in.bulkString("CLIENT LIST", 16)).isEmpty();
    assertThatThrownBy(() -> in.bulkString("CLIENT LIST", 16))
        .isInstanceOf(RespReader.Refused.class);
    assertThatThrownBy(() -> in.bulkString("CLIENT LIST", 8))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("9 bytes");
  }
}
