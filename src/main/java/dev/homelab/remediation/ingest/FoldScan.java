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
 * yyyy-MM-ddTHH:mm:ss[.fraction]Z} nor whole epoch seconds or milliseconds, nesting deeper than
 * {@value #MAX_DEPTH}, a long number or key. What it reads, the parser accepts with the same type,
 * svcKey and time (FoldScanTest compares them over generated and mutated messages). Pure and
 * thread-safe.
 */
final class FoldScan {
  /** An event the parser accepts, as much of it as folding needs. */
  record Identity(String eventType, boolean benign, String svcKey, Instant observedAt) {}

  static final int MAX_DEPTH = JsonGrammar.MAX_DEPTH;

  private static final int MAX_TOKEN = JsonGrammar.MAX_TOKEN;

  private static final int MAX_TYPE = 128;
  private static final int MAX_NAME = 63;

  private static final int OTHER = 0;
  private static final int EVENT_TYPE = 1;
  private static final int NODE = 2;
  private static final int SERVICE = 3;
  private static final int TIMESTAMP = 4;
  private static final int NOT_PLAIN = 5;

  private static final int CACHE = 64;

  // The type, svcKey and benign flag of the (type, node, service) bytes seen lately: in a storm
  // the same few, so no names are checked and no Strings made for them. One reader per instance.
  private final byte[][] cachedRaw = new byte[CACHE][];
  private final Identity[] cached = new Identity[CACHE];
  // [from, to) of each identity field's string; from -1: absent, from -2: JSON null.
  private final int[] span = new int[8];
  private boolean numericTime;

  /** The identity of {@code p}, a whole message, or null when the parser must read it. */
  static Identity scan(byte[] p) {
    return new FoldScan().read(p);
  }

  /** As {@link #scan}, remembering the names of lately read messages: one thread only. */
  Identity read(byte[] p) {
    int[] span = this.span;
    span[0] = -1;
    span[2] = -1;
    span[4] = -1;
    span[6] = -1;
    numericTime = false;
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
          i = JsonGrammar.value(p, i, 1);
        } else {
          int s = (field - 1) * 2;
          if (span[s] != -1) {
            return null; // twice: the parser keeps the last, not worth telling apart here
          }
          if (p[i] == '"') {
            span[s] = i + 1;
            i = plainString(p, i + 1);
            span[s + 1] = i - 1;
          } else if (field == SERVICE && JsonGrammar.literal(p, i, 'n', "null")) {
            span[s] = -2;
            i += 4;
          } else if (field == TIMESTAMP && p[i] >= '0' && p[i] <= '9') {
            span[s] = i; // epoch seconds or milliseconds, as a JSON number
            i = JsonGrammar.number(p, i);
            span[s + 1] = i;
            numericTime = true;
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

  private Identity identity(byte[] p, int[] span) {
    if (span[0] < 0 || span[2] < 0 || span[6] < 0) {
      return null; // no type, node or time
    }
    Instant at =
        numericTime
            ? Timestamps.epochInteger(p, span[6], span[7])
            : Timestamps.utcSeconds(p, span[6], span[7]);
    if (at == null) {
      return null;
    }
    int serviceFrom = span[4] >= 0 ? span[4] : 0;
    int serviceTo = span[4] >= 0 ? span[5] : 0;
    int h =
        hash(hash(hash(1, p, span[0], span[1]), p, span[2], span[3]), p, serviceFrom, serviceTo);
    int slot = (h ^ (h >>> 16)) & (CACHE - 1);
    byte[] raw = cachedRaw[slot];
    if (raw != null && same(raw, p, span, serviceFrom, serviceTo)) {
      Identity id = cached[slot];
      return new Identity(id.eventType(), id.benign(), id.svcKey(), at);
    }
    Identity id = names(p, span, serviceFrom, serviceTo, at);
    if (id != null) {
      cachedRaw[slot] = key(p, span, serviceFrom, serviceTo);
      cached[slot] = id;
    }
    return id;
  }

  private static Identity names(byte[] p, int[] span, int serviceFrom, int serviceTo, Instant at) {
    if (!plainType(p, span[0], span[1]) || !name(p, span[2], span[3])) {
      return null;
    }
    boolean service = serviceTo > serviceFrom;
    if (service && !name(p, serviceFrom, serviceTo)) {
      return null;
    }
    String type = ascii(p, span[0], span[1]);
    String node = ascii(p, span[2], span[3]);
    String svcKey = service ? node + "/" + ascii(p, serviceFrom, serviceTo) : node;
    return new Identity(type, EventParser.BENIGN_TYPES.contains(type), svcKey, at);
  }

  private static int hash(int h, byte[] p, int from, int to) {
    for (int k = from; k < to; k++) {
      h = 31 * h + p[k];
    }
    return 31 * h + (to - from);
  }

  /** The three fields' bytes, each after its length (at most 200, so one byte each). */
  private static byte[] key(byte[] p, int[] span, int serviceFrom, int serviceTo) {
    int t = span[1] - span[0];
    int n = span[3] - span[2];
    int s = serviceTo - serviceFrom;
    byte[] k = new byte[3 + t + n + s];
    k[0] = (byte) t;
    System.arraycopy(p, span[0], k, 1, t);
    k[1 + t] = (byte) n;
    System.arraycopy(p, span[2], k, 2 + t, n);
    k[2 + t + n] = (byte) s;
    System.arraycopy(p, serviceFrom, k, 3 + t + n, s);
    return k;
  }

  private static boolean same(byte[] k, byte[] p, int[] span, int serviceFrom, int serviceTo) {
    int t = span[1] - span[0];
    int n = span[3] - span[2];
    int s = serviceTo - serviceFrom;
    return k.length == 3 + t + n + s
        && k[0] == (byte) t
        && k[1 + t] == (byte) n
        && k[2 + t + n] == (byte) s
        && ScanBytes.same(k, 1, p, span[0], t)
        && ScanBytes.same(k, 2 + t, p, span[2], n)
        && ScanBytes.same(k, 3 + t + n, p, serviceFrom, s);
  }

  private static String ascii(byte[] p, int from, int to) {
    return new String(p, from, to - from, StandardCharsets.ISO_8859_1);
  }

  /** By length first: a storm's keys are compared with one name each, not eight. */
  private static int field(byte[] p, int from, int len) {
    switch (len) {
      case 2:
        return ScanBytes.is(p, from, len, ScanBytes.K_TS) ? NOT_PLAIN : OTHER;
      case 4:
        if (ScanBytes.is(p, from, len, ScanBytes.K_NODE)) {
          return NODE;
        }
        // another shape, or a field the parser reads first: its work
        return ScanBytes.is(p, from, len, ScanBytes.K_TYPE)
                || ScanBytes.is(p, from, len, ScanBytes.K_DATA)
            ? NOT_PLAIN
            : OTHER;
      case 7:
        if (ScanBytes.is(p, from, len, ScanBytes.K_SERVICE)) {
          return SERVICE;
        }
        return ScanBytes.is(p, from, len, ScanBytes.K_SVC_KEY) ? NOT_PLAIN : OTHER;
      case 9:
        return ScanBytes.is(p, from, len, ScanBytes.K_TIMESTAMP) ? TIMESTAMP : OTHER;
      case 10:
        return ScanBytes.is(p, from, len, ScanBytes.K_EVENT_TYPE) ? EVENT_TYPE : OTHER;
      default:
        return len > MAX_TOKEN ? NOT_PLAIN : OTHER;
    }
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
}
