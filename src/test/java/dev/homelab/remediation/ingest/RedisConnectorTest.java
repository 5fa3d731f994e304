package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RedisConnectorTest {
  @Test
  void aCommandIsAnArrayOfBulkStringsCountedInUtf8Bytes() {
    assertThat(new String(RedisConnector.command("AUTH", "pässwörd"), StandardCharsets.UTF_8))
        .isEqualTo("*2\r\n$4\r\nAUTH\r\n$10\r\npässwörd\r\n");
    assertThat(new String(RedisConnector.command("CLIENT", "ID"), StandardCharsets.UTF_8))
        .isEqualTo("*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n");
  }
}
