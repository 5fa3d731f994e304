package dev.homelab.remediation.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code Retry-After} as RFC 9110 writes it: seconds, or an HTTP date. */
class AttemptTest {
  static final Instant NOW = Instant.parse("2026-12-02T08:00:00Z");

  static Duration retryAfter(String... values) {
    HttpHeaders h =
        HttpHeaders.of(
            values.length == 0 ? Map.of() : Map.of("Retry-After", List.of(values)), (a, b) -> true);
    return Attempt.retryAfter(h, NOW);
  }

  @Test
  void secondsAreTakenAsTheyAre() {
    assertThat(retryAfter("120")).isEqualTo(Duration.ofSeconds(120));
    assertThat(retryAfter(" 0 ")).isEqualTo(Duration.ZERO);
  }

  @Test
  void anHttpDateIsTakenAgainstNow() {
    assertThat(retryAfter("Wed, 02 Dec 2026 08:01:30 GMT")).isEqualTo(Duration.ofSeconds(90));
    assertThat(retryAfter("Wed, 02 Dec 2026 07:59:00 GMT")).isEqualTo(Duration.ZERO);
  }

  @Test
  void theObsoleteDateFormsAreReadToo() {
    assertThat(retryAfter("Wednesday, 02-Dec-26 08:01:30 GMT")).isEqualTo(Duration.ofSeconds(90));
    assertThat(retryAfter("Wed Dec  2 08:01:30 2026")).isEqualTo(Duration.ofSeconds(90));
    assertThat(retryAfter("Mon, 02 Dec 2026 08:01:30 GMT"))
        .as("a wrong weekday")
        .isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void leadingZerosAreNoHugeNumber() {
    assertThat(retryAfter("0000000030")).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void absentOrUnreadableMeansTheUsualBackoff() {
    assertThat(retryAfter()).isNull();
    assertThat(retryAfter("")).isNull();
    assertThat(retryAfter("-5")).isNull();
    assertThat(retryAfter("soon")).isNull();
    assertThat(retryAfter("1.5")).isNull();
  }

  @Test
  void aHugeNumberDoesNotOverflow() {
    assertThat(retryAfter("99999999999999999999")).isGreaterThan(Hold.MAX);
  }
}
