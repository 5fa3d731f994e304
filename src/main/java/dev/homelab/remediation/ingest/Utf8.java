package dev.homelab.remediation.ingest;

/**
 * Strict UTF-8 validation of a byte array, without decoding it: what a {@code CharsetDecoder} with
 * {@code REPORT} accepts (no overlong forms, no surrogates, nothing past U+10FFFF, no truncated
 * sequence), so the parser can hand the bytes to Jackson directly instead of building a String.
 */
final class Utf8 {
  private Utf8() {}

  static boolean valid(byte[] b) {
    int i = 0;
    int n = b.length;
    while (i < n) {
      int c = b[i];
      if (c >= 0) {
        i++; // ASCII, the common case
        continue;
      }
      c &= 0xff;
      if (c >= 0xc2 && c <= 0xdf) {
        if (i + 1 >= n || !continuation(b[i + 1])) {
          return false;
        }
        i += 2;
      } else if (c >= 0xe0 && c <= 0xef) {
        if (i + 2 >= n || !continuation(b[i + 1]) || !continuation(b[i + 2])) {
          return false;
        }
        int c1 = b[i + 1] & 0xff;
        if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f)) {
          return false; // overlong, or a surrogate
        }
        i += 3;
      } else if (c >= 0xf0 && c <= 0xf4) {
        if (i + 3 >= n
            || !continuation(b[i + 1])
            || !continuation(b[i + 2])
            || !continuation(b[i + 3])) {
          return false;
        }
        int c1 = b[i + 1] & 0xff;
        if ((c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f)) {
          return false; // overlong, or past U+10FFFF
        }
        i += 4;
      } else {
        return false; // a continuation byte first, 0xc0/0xc1, or 0xf5..0xff
      }
    }
    return true;
  }

  private static boolean continuation(byte b) {
    return (b & 0xc0) == 0x80;
  }

  /** A NUL byte anywhere, or a UTF-8 byte-order mark first. */
  static boolean hasNulOrBom(byte[] b) {
    if (b.length >= 3 && (b[0] & 0xff) == 0xef && (b[1] & 0xff) == 0xbb && (b[2] & 0xff) == 0xbf) {
      return true;
    }
    for (byte x : b) {
      if (x == 0) {
        return true;
      }
    }
    return false;
  }
}
