package dev.homelab.remediation.links;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.homelab.remediation.links.ApprovalTokens.Claims;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ApprovalTokensTest {
  static final String SECRET = "0123456789abcdef0123456789abcdef";
  static final ApprovalTokens TOKENS = new ApprovalTokens(SECRET);
  static final Instant EXPIRES = Instant.parse("2026-05-28T17:11:41Z");
  static final Claims CLAIMS =
      new Claims(
          "homelab",
          "chelsty-zigbee2mqtt-0123456789",
          "3f1c9a2e-0000-4000-8000-000000000000",
          Verdict.APPROVE,
          EXPIRES,
          "ntfy");

  @Test
  void aSignedTokenVerifiesToItsClaims() {
    String token = TOKENS.sign(CLAIMS);
    assertThat(TOKENS.verify(token)).contains(CLAIMS);
    assertThat(new ApprovalTokens(SECRET.getBytes(StandardCharsets.UTF_8)).verify(token))
        .contains(CLAIMS);
  }

  @Test
  void tokensAreUrlSafeShortAndStable() {
    String token = TOKENS.sign(CLAIMS);
    assertThat(token).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}");
    assertThat(token.length()).isLessThan(ApprovalTokens.MAX_TOKEN_LENGTH);
    assertThat(TOKENS.sign(CLAIMS)).isEqualTo(token);
    String longest =
        TOKENS.sign(
            new Claims(
                "n".repeat(63),
                "a".repeat(253),
                "u".repeat(64),
                Verdict.REJECT,
                Instant.ofEpochSecond(999_999_999_999L),
                "t".repeat(32)));
    assertThat(longest.length()).isLessThan(ApprovalTokens.MAX_TOKEN_LENGTH);
    assertThat(TOKENS.verify(longest)).isPresent();
  }

  @Test
  void eachClaimIsBound() {
    String approve = TOKENS.sign(CLAIMS);
    String reject =
        TOKENS.sign(
            new Claims(
                CLAIMS.namespace(),
                CLAIMS.name(),
                CLAIMS.uid(),
                Verdict.REJECT,
                CLAIMS.expiresAt(),
                CLAIMS.target()));
    assertThat(reject).isNotEqualTo(approve);
    assertThat(TOKENS.verify(reject).orElseThrow().verdict()).isEqualTo(Verdict.REJECT);
    // The payload of one with the signature of the other: refused.
    String mixed =
        reject.substring(0, reject.indexOf('.')) + approve.substring(approve.indexOf('.'));
    assertThat(TOKENS.verify(mixed)).isEmpty();
  }

  @Test
  void aChangedPayloadIsRefused() {
    String token = TOKENS.sign(CLAIMS);
    String payload =
        new String(
            Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
            StandardCharsets.UTF_8);
    String later = payload.replace(Long.toString(EXPIRES.getEpochSecond()), "99999999999");
    String forged =
        Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(later.getBytes(StandardCharsets.UTF_8))
            + token.substring(token.indexOf('.'));
    assertThat(later).isNotEqualTo(payload);
    assertThat(TOKENS.verify(forged)).isEmpty();
  }

  @Test
  void everyFlippedCharacterIsRefused() {
    String token = TOKENS.sign(CLAIMS);
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c == '.') {
        continue;
      }
      char other = c == 'A' ? 'B' : 'A';
      String changed = token.substring(0, i) + other + token.substring(i + 1);
      assertThat(TOKENS.verify(changed)).as("changed at %d", i).isEmpty();
    }
  }

  @Test
  void anotherKeysTokenIsRefused() {
    ApprovalTokens other = new ApprovalTokens("another secret of thirty-two chars!");
    assertThat(TOKENS.verify(other.sign(CLAIMS))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        ".",
        "abc",
        "abc.",
        ".abc",
        "a.b.c",
        "a b.c",
        "abc.d+e/f",
        "abc.def=",
        "aGVsbG8.aGVsbG8",
        "\u00e9t\u00e9.abc",
      })
  void malformedTokensAreRefused(String token) {
    assertThat(TOKENS.verify(token)).isEmpty();
  }

  @Test
  void nullAndOversizeTokensAreRefusedBeforeAnyWork() {
    assertThat(TOKENS.verify(null)).isEmpty();
    assertThat(TOKENS.verify("a".repeat(ApprovalTokens.MAX_TOKEN_LENGTH) + ".b")).isEmpty();
  }

  @Test
  void aSignedPayloadOfAnotherShapeIsRefused() throws Exception {
    // Signed with our key, but not what sign() writes (another version, a missing field).
    for (String payload :
        new String[] {"v2|homelab|n|u|approve|1|ntfy", "v1|homelab|n|u|approve|1", "v1|||||||"}) {
      String encoded =
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(payload.getBytes(StandardCharsets.UTF_8));
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(
          new javax.crypto.spec.SecretKeySpec(
              SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String token =
          encoded
              + "."
              + Base64.getUrlEncoder()
                  .withoutPadding()
                  .encodeToString(mac.doFinal(encoded.getBytes(StandardCharsets.US_ASCII)));
      assertThat(TOKENS.verify(token)).as(payload).isEmpty();
    }
  }

  @Test
  void expiryIsKeptToTheSecondAndChecked() {
    Claims c =
        new Claims(
            "homelab",
            "p",
            "uid-1",
            Verdict.APPROVE,
            Instant.parse("2026-05-28T17:11:41.999Z"),
            "x");
    assertThat(c.expiresAt()).isEqualTo(Instant.parse("2026-05-28T17:11:41Z"));
    assertThat(c.expiredAt(Instant.parse("2026-05-28T17:11:40.999Z"))).isFalse();
    assertThat(c.expiredAt(Instant.parse("2026-05-28T17:11:41Z"))).isTrue();
  }

  @Test
  void claimsThatCannotBeWrittenAreRefusedAtSigning() {
    assertThatThrownBy(() -> new Claims("homelab", "a|b", "uid", Verdict.APPROVE, EXPIRES, "ntfy"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Claims("homelab", "a", "uid\n", Verdict.APPROVE, EXPIRES, "ntfy"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Claims("homelab", "a", "uid", Verdict.APPROVE, EXPIRES, "NTFY"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Claims(null, "a", "uid", Verdict.APPROVE, EXPIRES, "ntfy"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ApprovalTokens(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
