package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Utf8.valid accepts exactly what the JDK's strict decoder accepts. */
class Utf8Test {
  static boolean jdk(byte[] b) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  @Test
  void agreesWithTheJdkDecoderOnEdgeCases() {
    int[][] cases = {
      {},
      {0x41},
      {0xc2, 0x80},
      {0xc1, 0xbf},
      {0xe0, 0xa0, 0x80},
      {0xe0, 0x9f, 0xbf},
      {0xed, 0x9f, 0xbf},
      {0xed, 0xa0, 0x80},
      {0xef, 0xbf, 0xbf},
      {0xf0, 0x90, 0x80, 0x80},
      {0xf0, 0x8f, 0xbf, 0xbf},
      {0xf4, 0x8f, 0xbf, 0xbf},
      {0xf4, 0x90, 0x80, 0x80},
      {0xf5, 0x80, 0x80, 0x80},
      {0x80},
      {0xc3},
      {0xe2, 0x82},
      {0xf0, 0x9f, 0x98},
      {0xc3, 0x28},
      {0xff},
      {0xfe}
    };
    for (int[] c : cases) {
      byte[] b = new byte[c.length];
      for (int i = 0; i < c.length; i++) {
        b[i] = (byte) c[i];
      }
      assertThat(Utf8.valid(b)).as(java.util.Arrays.toString(c)).isEqualTo(jdk(b));
    }
  }

  @Test
  void agreesWithTheJdkDecoderOnRandomAndMutatedText() {
    Random random = new Random(8);
    byte[] text = "{\"message\":\"café ☕ 😀 ok\"}".getBytes(StandardCharsets.UTF_8);
    for (int n = 0; n < 200_000; n++) {
      byte[] b;
      if (n % 2 == 0) {
        b = new byte[random.nextInt(8)];
        random.nextBytes(b);
      } else {
        b = text.clone();
        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
      }
      assertThat(Utf8.valid(b)).as(java.util.Arrays.toString(b)).isEqualTo(jdk(b));
    }
  }

  @Test
  void aNulByteOrALeadingBomIsValidUtf8ButToldApart() {
    assertThat(Utf8.check(new byte[] {'{', 0, '}'})).isEqualTo(Utf8.NUL_OR_BOM);
    assertThat(Utf8.check(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', '}'}))
        .isEqualTo(Utf8.NUL_OR_BOM);
    assertThat(Utf8.check(new byte[] {'{', (byte) 0xef, (byte) 0xbb, (byte) 0xbf, '}'}))
        .isEqualTo(Utf8.OK);
    assertThat(Utf8.check(new byte[] {0, (byte) 0xff})).isEqualTo(Utf8.INVALID);
    assertThat(Utf8.check("{}".getBytes(StandardCharsets.UTF_8))).isEqualTo(Utf8.OK);
  }
}
