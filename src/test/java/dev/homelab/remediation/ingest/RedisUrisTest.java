package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** REDIS_URL with and without REDIS_PASSWORD: who logs in, with what. */
class RedisUrisTest {
  static String login(RedisURI uri) {
    RedisCredentials c = uri.getCredentialsProvider().resolveCredentials().block();
    String user = c.hasUsername() ? c.getUsername() : "(default)";
    String password = c.hasPassword() ? new String(c.getPassword()) : "(none)";
    return user + " " + password;
  }

  @Test
  void withAPasswordTheUserInfoNamesTheAclUser() {
    Optional<String> pw = Optional.of("s3cret");
    assertThat(login(RedisUris.create("redis://operator@redis:6379", pw)))
        .isEqualTo("operator s3cret");
    assertThat(login(RedisUris.create("rediss://operator:old@redis:6379", pw)))
        .isEqualTo("operator s3cret");
    assertThat(login(RedisUris.create("redis://op%40home@redis:6379", pw)))
        .isEqualTo("op@home s3cret");
    assertThat(login(RedisUris.create("redis://svc+op@redis:6379", pw))).isEqualTo("svc+op s3cret");
    assertThat(login(RedisUris.create("redis://:old@redis:6379", pw)))
        .isEqualTo("(default) s3cret");
    assertThat(login(RedisUris.create("redis://redis:6379/0", pw))).isEqualTo("(default) s3cret");
  }

  @Test
  void withoutOneTheUrlIsReadAsLettuceReadsIt() {
    assertThat(login(RedisUris.create("redis://secret@redis:6379", Optional.empty())))
        .isEqualTo("(default) secret");
    assertThat(login(RedisUris.create("redis://operator:secret@redis:6379", Optional.empty())))
        .isEqualTo("operator secret");
    assertThatThrownBy(() -> RedisUris.create("http://redis:6379", Optional.of("x")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
