package dev.homelab.remediation.ingest;

import java.nio.charset.StandardCharsets;

/** The byte-level steps of {@link Triage}'s scan: plain loops over arrays, positions in locals. */
final class ScanBytes {
  // The event's field names as bytes, for the scans that compare keys in place.
  static final byte[] K_EVENT_TYPE = ascii("event_type");
  static final byte[] K_TYPE = ascii("type");
  static final byte[] K_NODE = ascii("node");
  static final byte[] K_SERVICE = ascii("service");
  static final byte[] K_SEVERITY = ascii("severity");
  static final byte[] K_SVC_KEY = ascii("svc_key");
  static final byte[] K_DATA = ascii("data");
  static final byte[] K_TIMESTAMP = ascii("timestamp");
  static final byte[] K_TS = ascii("ts");

  private ScanBytes() {}

  /** Arrays.equals on ranges, as a plain loop: C1 does not intrinsify the vectorized one. */
  static boolean same(byte[] a, int aFrom, byte[] b, int bFrom, int len) {
    for (int k = 0; k < len; k++) {
      if (a[aFrom + k] != b[bFrom + k]) {
        return false;
      }
    }
    return true;
  }

  static boolean is(byte[] p, int start, int len, byte[] name) {
    return len == name.length && p[start] == name[0] && same(p, start, name, 0, len);
  }

  /**
   * Narrows the string {@code from[field]..to[field]} of {@code p} to its text without surrounding
   * blanks, as {@link String#trim()} does; false when it is absent (negative) or nothing is left.
   */
  static boolean trim(byte[] p, int[] from, int[] to, int field) {
    if (from[field] < 0) {
      return false;
    }
    while (from[field] < to[field] && (p[from[field]] & 0xff) <= ' ') {
      from[field]++;
    }
    while (to[field] > from[field] && (p[to[field] - 1] & 0xff) <= ' ') {
      to[field]--;
    }
    return from[field] < to[field];
  }

  /**
   * Whether {@code p[from..to)} is {@code lower} (lower-case ASCII letters) in any case. Folding
   * with 0x20 maps nothing else onto a letter that a field of these names could hold.
   */
  static boolean lowerCaseIs(byte[] p, int from, int to, byte[] lower) {
    if (to - from != lower.length) {
      return false;
    }
    for (int k = 0; k < lower.length; k++) {
      if ((p[from + k] | 0x20) != lower[k]) {
        return false;
      }
    }
    return true;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** From inside a string to just past its closing quote. */
  static int skipString(byte[] p, int i) {
    byte c;
    while ((c = p[i]) != '"') {
      i += c == '\\' ? 2 : 1;
    }
    return i + 1;
  }

  static int skipValue(byte[] p, int i) {
    byte b = p[i];
    if (b == '"') {
      return skipString(p, i + 1);
    }
    if (b == '{' || b == '[') {
      int nesting = 0;
      do {
        byte c = p[i++];
        if (c == '"') {
          i = skipString(p, i);
        } else if (c == '{' || c == '[') {
          nesting++;
        } else if (c == '}' || c == ']') {
          nesting--;
        }
      } while (nesting > 0);
      return i;
    }
    int start = i;
    while (b != ',' && b != '}' && b != ']' && b > ' ') {
      b = p[++i];
    }
    return i > start ? i : -1;
  }

  /** Past JSON whitespace; the common case, none (compact JSON), costs one comparison. */
  static int ws(byte[] p, int i) {
    return p[i] > ' ' ? i : wsRun(p, i);
  }

  private static int wsRun(byte[] p, int i) {
    byte c;
    while ((c = p[i]) == ' ' || c == '\n' || c == '\r' || c == '\t') {
      i++;
    }
    return i;
  }
}
