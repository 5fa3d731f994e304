package dev.homelab.remediation.ingest;

/**
 * Strict UTF-8 validation of a byte array, without decoding it: what a {@code CharsetDecoder} with
 * {@code REPORT} accepts (no overlong forms, no surrogates, nothing past U+10FFFF, no truncated
 * sequence), so the parser can hand the bytes to Jackson directly instead of building a String.
 */
final class Utf8 {
  private Utf8() {}

  /** What {@link #check} found. */
  static final int OK = 0;

  static final int INVALID = 1;

  /** Valid UTF-8, but with a NUL byte or a leading byte-order mark: not JSON text. */
  static final int NUL_OR_BOM = 2;

  static boolean valid(byte[] b) {
    return check(b) != INVALID;
  }

  /** One pass for both questions the parser asks of the bytes (INVALID wins over NUL_OR_BOM). */
  static int check(byte[] b) {
    int i = 0;
    int n = b.length;
    boolean nul = n >= 3 && (b[0] & 0xff) == 0xef && (b[1] & 0xff) == 0xbb && (b[2] & 0xff) == 0xbf;
    while (i < n) {
      int c = b[i];
      if (c > 0) {
        i++; // ASCII, the common case
        continue;
      }
      if (c == 0) {
        nul = true;
        i++;
        continue;
      }
      c &= 0xff;
      if (c >= 0xc2 && c <= 0xdf) {
        if (i + 1 >= n || !continuation(b[i + 1])) {
          return INVALID;
        }
        i += 2;
      } else if (c >= 0xe0 && c <= 0xef) {
        if (i + 2 >= n || !continuation(b[i + 1]) || !continuation(b[i + 2])) {
          return INVALID;
        }
        int c1 = b[i + 1] & 0xff;
        if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f)) {
          return INVALID; // overlong, or a surrogate
        }
        i += 3;
      } else if (c >= 0xf0 && c <= 0xf4) {
        if (i + 3 >= n
            || !continuation(b[i + 1])
            || !continuation(b[i + 2])
            || !continuation(b[i + 3])) {
          return INVALID;
        }
        int c1 = b[i + 1] & 0xff;
        if ((c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f)) {
          return INVALID; // overlong, or past U+10FFFF
        }
        i += 4;
      } else {
        return INVALID; // a continuation byte first, 0xc0/0xc1, or 0xf5..0xff
      }
    }
    return nul ? NUL_OR_BOM : OK;
  }

  private static boolean continuation(byte b) {
    return (b & 0xc0) == 0x80;
  }
}
