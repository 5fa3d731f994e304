package dev.homelab.remediation.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * What the parser makes of an event in the plain form of SPEC section 2's first shape, read in one
 * pass over its bytes without building a tree: the events a storm is made of, which are only
 * counted (a repeat of an open incident) or only mark a recovery (a benign one), need their type,
 * svcKey and time, not a tree.
 *
 * <p>It checks the whole message against the JSON grammar, as strictly as the parser's Jackson, and
 * reads the top-level {@code event_type}, {@code node}, {@code service} and {@code timestamp} as
 * the parser would. Whenever it is not sure it returns null and the parser reads the message: a
 * byte outside ASCII, an escape in an identity field or a top-level key, an identity field twice or
 * not a plain string, {@code type}/{@code ts}/{@code svc_key}/{@code data} (the other shapes), a
 * name or type the parser would change by folding case or trimming, a time not in the form {@code
 * yyyy-MM-ddTHH:mm:ss[.fraction]Z}, nesting deeper than {@value #MAX_DEPTH}, a long number or key.
 * What it reads, the parser accepts with the same type, svcKey and time (FoldScanTest compares them
 * over generated and mutated messages). Pure and thread-safe.
 */
final class FoldScan {
  /** An event the parser accepts, as much of it as folding needs. */
  record Identity(String eventType, boolean benign, String svcKey, Instant observedAt) {}

  static final int MAX_DEPTH = 32;

  /** Far under Jackson's limits on numbers (1,000 digits) and names (50,000 bytes). */
  private static final int MAX_TOKEN = 200;

  private static final int MAX_TYPE = 128;
  private static final int MAX_NAME = 63;

  private static final byte[] K_EVENT_TYPE = ScanBytes.ascii("event_type");
  private static final byte[] K_NODE = ScanBytes.ascii("node");
  private static final byte[] K_SERVICE = ScanBytes.ascii("service");
  private static final byte[] K_TIMESTAMP = ScanBytes.ascii("timestamp");
  private static final byte[] K_TYPE = ScanBytes.ascii("type");
  private static final byte[] K_TS = ScanBytes.ascii("ts");
  private static final byte[] K_SVC_KEY = ScanBytes.ascii("svc_key");
  private static final byte[] K_DATA = ScanBytes.ascii("data");

  private static final int OTHER = 0;
  private static final int EVENT_TYPE = 1;
  private static final int NODE = 2;
  private static final int SERVICE = 3;
  private static final int TIMESTAMP = 4;
  private static final int NOT_PLAIN = 5;

  private FoldScan() {}

  /** The identity of {@code p}, a whole message, or null when the parser must read it. */
  static Identity scan(byte[] p) {
    // [from, to) of each identity field's string; from -1: absent, from -2: JSON null.
    int[] span = {-1, 0, -1, 0, -1, 0, -1, 0};
    try {
      int i = ScanBytes.ws(p, 0);
      if (p[i++] != '{') {
        return null;
      }
      i = ScanBytes.ws(p, i);
      if (p[i] == '}') {
        return null; // no event type
      }
      while (true) {
        if (p[i] != '"') {
          return null;
        }
        int keyFrom = ++i;
        byte c;
        while ((c = p[i]) != '"') {
          if (c < 0x20 || c == '\\') { // bytes over 0x7f are negative
            return null;
          }
          i++;
        }
        int field = field(p, keyFrom, i - keyFrom);
        if (field == NOT_PLAIN) {
          return null;
        }
        i = ScanBytes.ws(p, i + 1);
        if (p[i++] != ':') {
          return null;
        }
        i = ScanBytes.ws(p, i);
        if (field == OTHER) {
          i = value(p, i, 1);
        } else {
          int s = (field - 1) * 2;
          if (span[s] != -1) {
            return null; // twice: the parser keeps the last, not worth telling apart here
          }
          if (p[i] == '"') {
            span[s] = i + 1;
            i = plainString(p, i + 1);
            span[s + 1] = i - 1;
          } else if (field == SERVICE && literal(p, i, 'n', "null")) {
            span[s] = -2;
            i += 4;
          } else {
            return null;
          }
        }
        if (i < 0) {
          return null;
        }
        i = ScanBytes.ws(p, i);
        c = p[i++];
        if (c == '}') {
          break;
        }
        if (c != ',') {
          return null;
        }
        i = ScanBytes.ws(p, i);
      }
      while (i < p.length && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t')) {
        i++;
      }
      return i == p.length ? identity(p, span) : null; // else bytes after the object
    } catch (ArrayIndexOutOfBoundsException e) {
      return null; // cut short: the parser says why
    }
  }

  private static Identity identity(byte[] p, int[] span) {
    int typeFrom = span[0];
    int typeTo = span[1];
    if (typeFrom < 0 || !plainType(p, typeFrom, typeTo) || span[2] < 0 || span[6] < 0) {
      return null;
    }
    if (!name(p, span[2], span[3])) {
      return null;
    }
    boolean service = span[4] >= 0 && span[5] > span[4];
    if (service && !name(p, span[4], span[5])) {
      return null;
    }
    Instant at = Timestamps.utcSeconds(ascii(p, span[6], span[7]));
    if (at == null) {
      return null;
    }
    String type = ascii(p, typeFrom, typeTo);
    String node = ascii(p, span[2], span[3]);
    String svcKey = service ? node + "/" + ascii(p, span[4], span[5]) : node;
    return new Identity(type, EventParser.BENIGN_TYPES.contains(type), svcKey, at);
  }

  private static String ascii(byte[] p, int from, int to) {
    return new String(p, from, to - from, StandardCharsets.ISO_8859_1);
  }

  private static int field(byte[] p, int from, int len) {
    if (len > MAX_TOKEN) {
      return NOT_PLAIN;
    }
    if (ScanBytes.is(p, from, len, K_EVENT_TYPE)) {
      return EVENT_TYPE;
    }
    if (ScanBytes.is(p, from, len, K_NODE)) {
      return NODE;
    }
    if (ScanBytes.is(p, from, len, K_SERVICE)) {
      return SERVICE;
    }
    if (ScanBytes.is(p, from, len, K_TIMESTAMP)) {
      return TIMESTAMP;
    }
    if (ScanBytes.is(p, from, len, K_TYPE)
        || ScanBytes.is(p, from, len, K_TS)
        || ScanBytes.is(p, from, len, K_SVC_KEY)
        || ScanBytes.is(p, from, len, K_DATA)) {
      return NOT_PLAIN; // another shape, or a field the parser reads first: its work
    }
    return OTHER;
  }

  /**
   * A type the parser keeps as it is: no case to fold, nothing to trim, printable, not too long.
   */
  private static boolean plainType(byte[] p, int from, int to) {
    int len = to - from;
    if (len < 1 || len > MAX_TYPE || p[from] == ' ' || p[to - 1] == ' ') {
      return false;
    }
    for (int k = from; k < to; k++) {
      byte c = p[k];
      if (c == 0x7f || (c >= 'A' && c <= 'Z')) {
        return false;
      }
    }
    return true;
  }

  /** Names.normalise would keep it as it is: lower case DNS-1123-like, no "..", at most 63. */
  private static boolean name(byte[] p, int from, int to) {
    int len = to - from;
    if (len < 1 || len > MAX_NAME || !alnum(p[from]) || !alnum(p[to - 1])) {
      return false;
    }
    for (int k = from + 1; k < to - 1; k++) {
      byte c = p[k];
      if (c == '.' ? p[k + 1] == '.' : !alnum(c) && c != '-' && c != '_') {
        return false;
      }
    }
    return true;
  }

  private static boolean alnum(byte c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }

  /** From inside a string to past its closing quote, the string unescaped ASCII; else -1. */
  private static int plainString(byte[] p, int i) {
    byte c;
    while ((c = p[i]) != '"') {
      if (c < 0x20 || c == '\\') {
        return -1;
      }
      i++;
    }
    return i + 1;
  }

  // --- the grammar (RFC 8259), positions in locals: each returns just past what it read, or -1 ---

  private static int value(byte[] p, int i, int depth) {
    byte c = p[i];
    switch (c) {
      case '"':
        return string(p, i + 1);
      case '{':
        return depth >= MAX_DEPTH ? -1 : object(p, i + 1, depth + 1);
      case '[':
        return depth >= MAX_DEPTH ? -1 : array(p, i + 1, depth + 1);
      case 't':
        return literal(p, i, 't', "true") ? i + 4 : -1;
      case 'f':
        return literal(p, i, 'f', "false") ? i + 5 : -1;
      case 'n':
        return literal(p, i, 'n', "null") ? i + 4 : -1;
      default:
        return number(p, i);
    }
  }

  private static int object(byte[] p, int i, int depth) {
    i = ScanBytes.ws(p, i);
    if (p[i] == '}') {
      return i + 1;
    }
    while (true) {
      if (p[i] != '"') {
        return -1;
      }
      int from = i + 1;
      i = string(p, from);
      if (i < 0 || i - from > MAX_TOKEN) {
        return -1;
      }
      i = ScanBytes.ws(p, i);
      if (p[i++] != ':') {
        return -1;
      }
      i = value(p, ScanBytes.ws(p, i), depth);
      if (i < 0) {
        return -1;
      }
      i = ScanBytes.ws(p, i);
      byte c = p[i++];
      if (c == '}') {
        return i;
      }
      if (c != ',') {
        return -1;
      }
      i = ScanBytes.ws(p, i);
    }
  }

  private static int array(byte[] p, int i, int depth) {
    i = ScanBytes.ws(p, i);
    if (p[i] == ']') {
      return i + 1;
    }
    while (true) {
      i = value(p, i, depth);
      if (i < 0) {
        return -1;
      }
      i = ScanBytes.ws(p, i);
      byte c = p[i++];
      if (c == ']') {
        return i;
      }
      if (c != ',') {
        return -1;
      }
      i = ScanBytes.ws(p, i);
    }
  }

  /** From inside a string to past its closing quote: escapes checked, ASCII only; else -1. */
  private static int string(byte[] p, int i) {
    while (true) {
      byte c = p[i];
      if (c == '"') {
        return i + 1;
      }
      if (c < 0x20) {
        return -1; // a control character, or a byte over 0x7f: the parser's to judge
      }
      if (c != '\\') {
        i++;
        continue;
      }
      c = p[i + 1];
      if (c == 'u') {
        int v = 0;
        for (int k = i + 2; k < i + 6; k++) {
          int h = Character.digit(p[k], 16);
          if (h < 0) {
            return -1;
          }
          v = v * 16 + h;
        }
        if (v >= 0xd800 && v <= 0xdfff) {
          return -1; // surrogates: left to the parser
        }
        i += 6;
      } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r'
          || c == 't') {
        i += 2;
      } else {
        return -1;
      }
    }
  }

  private static int number(byte[] p, int i) {
    int start = i;
    if (p[i] == '-') {
      i++;
    }
    if (p[i] == '0') {
      i++;
    } else if (digit(p[i])) {
      while (digit(p[++i])) {
        // the integer part
      }
    } else {
      return -1;
    }
    if (p[i] == '.') {
      if (!digit(p[++i])) {
        return -1;
      }
      while (digit(p[++i])) {
        // the fraction
      }
    }
    if (p[i] == 'e' || p[i] == 'E') {
      i++;
      if (p[i] == '+' || p[i] == '-') {
        i++;
      }
      if (!digit(p[i])) {
        return -1;
      }
      while (digit(p[++i])) {
        // the exponent
      }
    }
    return i - start > MAX_TOKEN ? -1 : i;
  }

  private static boolean digit(byte c) {
    return c >= '0' && c <= '9';
  }

  private static boolean literal(byte[] p, int i, char first, String word) {
    if (p[i] != first) {
      return false;
    }
    for (int k = 1; k < word.length(); k++) {
      if (p[i + k] != word.charAt(k)) {
        return false;
      }
    }
    return true;
  }
}
