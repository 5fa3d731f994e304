package dev.homelab.remediation.ingest;

import dev.homelab.remediation.decision.Names;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Ranks a raw message for shedding without parsing it: one pass over the bytes finds the top-level
 * string fields that say what the event is about (event_type/type, node, service, svc_key,
 * severity, and node/service/severity in {@code data}) and skips everything else, allocating
 * nothing in the common case. It decides nothing about validity: a message it cannot read this way
 * is {@link Rank#UNKNOWN} and left to the parser.
 *
 * <p>Runs on the Redis reader thread while the intake is under pressure, so it is not thread-safe,
 * and it must cost less per message than Redis spends sending one: it keeps the svcKeys of the raw
 * node/service bytes it saw last (storms repeat the same few).
 */
final class Triage {
  /** From the cheapest to lose to the dearest. */
  enum Rank {
    /** An actionable event for a svcKey whose incident is open: it would only be counted. */
    REPEAT,
    /** A benign event (SPEC 2): it only marks a recovery, which the next one marks again. */
    BENIGN,
    INFO,
    WARNING,
    /** Not readable this way; the parser decides (ranked with warnings). */
    UNKNOWN,
    CRITICAL
  }

  private static final byte[][] BENIGN =
      EventParser.BENIGN_TYPES.stream()
          .map(t -> t.getBytes(StandardCharsets.US_ASCII))
          .toArray(byte[][]::new);
  private static final byte[] INFO = "info".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CRITICAL = "critical".getBytes(StandardCharsets.US_ASCII);
  private static final int CACHE = 256;
  private static final String INVALID = new String("invalid");

  // Fields: start and end offsets into p, -1 when absent, -2 when present but not a plain string.
  private static final int EVENT_TYPE = 0;
  private static final int TYPE = 1;
  private static final int NODE = 2;
  private static final int SERVICE = 3;
  private static final int SVC_KEY = 4;
  private static final int SEVERITY = 5;
  private static final int DATA_NODE = 6;
  private static final int DATA_SERVICE = 7;
  private static final int DATA_SEVERITY = 8;
  private static final int DATA = 9;
  private static final int NONE = -1;

  /** A field given as JSON null: absent, to the parser. (-2: escaped or not a string.) */
  private static final int NULL = -3;

  private static final int MEMO = 8;

  private final Predicate<String> open;
  private final byte[][] memoPrefix = new byte[MEMO][];
  private final Rank[] memoBase = new Rank[MEMO];
  private final String[] memoKey = new String[MEMO];
  private int nextMemo;
  private int lastHit;
  private boolean stoppedEarly;
  private String key;
  private final int[] from = new int[9];
  private final int[] to = new int[9];
  private final byte[][] cachedRaw = new byte[CACHE][];
  private final String[] cachedKey = new String[CACHE];
  private final byte[] scratch = new byte[512];
  private byte[] p;

  /** {@code open}: whether an actionable event of this svcKey would fold into an open incident. */
  Triage(Predicate<String> open) {
    this.open = open;
  }

  /** The rank of the message in {@code len} bytes of {@code buf} from {@code off}. */
  Rank rank(byte[] buf, int off, int len) {
    Rank known = known(buf, off, len);
    if (known != null) {
      return known;
    }
    p = buf;
    Arrays.fill(from, NONE);
    stoppedEarly = false;
    try {
      int end = object(buf, off, false);
      // A message cut short would have the scan run on into the bytes after it: not readable.
      if (end < 0 || end > off + len) {
        return Rank.UNKNOWN;
      }
      Rank base = base();
      if (stoppedEarly) {
        remember(buf, off, end - off, base, key);
      }
      return withOpen(base, key);
    } catch (ArrayIndexOutOfBoundsException e) {
      return Rank.UNKNOWN; // cut short: the parser will say why
    } finally {
      p = null;
    }
  }

  /**
   * The rank of a message that starts with the same bytes as one ranked lately, up to where that
   * one's scan stopped early; else null. The scan is deterministic, so the same prefix means the
   * same fields: in a storm of repeats this is a comparison of a hundred bytes, not a scan.
   */
  Rank known(byte[] buf, int off, int len) {
    // The entry that matched last first (a storm repeats the same few), each compared from its end:
    // prefixes of one storm share their start and differ in the service and severity near the end.
    int m = lastHit;
    for (int tried = 0; tried < MEMO; tried++) {
      byte[] prefix = memoPrefix[m];
      if (prefix != null && prefix.length <= len && sameFromEnd(buf, off, prefix)) {
        lastHit = m;
        return withOpen(memoBase[m], memoKey[m]);
      }
      m = m + 1 == MEMO ? 0 : m + 1;
    }
    return null;
  }

  private static boolean sameFromEnd(byte[] buf, int off, byte[] prefix) {
    for (int k = prefix.length - 1; k >= 0; k--) {
      if (buf[off + k] != prefix[k]) {
        return false;
      }
    }
    return true;
  }

  private void remember(byte[] buf, int off, int len, Rank base, String svcKey) {
    int m = nextMemo;
    nextMemo = (m + 1) % MEMO;
    memoPrefix[m] = Arrays.copyOfRange(buf, off, off + len);
    memoBase[m] = base;
    memoKey[m] = svcKey;
  }

  private Rank withOpen(Rank base, String svcKey) {
    return base != Rank.BENIGN && svcKey != null && open.test(svcKey) ? Rank.REPEAT : base;
  }

  /** The rank before asking whether the incident is open; sets {@link #key}. */
  private Rank base() {
    key = null;
    int type =
        given(EVENT_TYPE) && (from[EVENT_TYPE] == -2 || trim(EVENT_TYPE) || !given(TYPE))
            ? EVENT_TYPE
            : TYPE; // a blank event_type leaves it to type, as in the parser
    if (from[type] < 0) {
      return Rank.UNKNOWN;
    }
    if (benign(type)) {
      return Rank.BENIGN;
    }
    key = svcKey();
    // As the parser: the top-level severity unless blank, then data's, trimmed.
    int sev = trim(SEVERITY) ? SEVERITY : DATA_SEVERITY;
    if (from[SEVERITY] == -2 || from[sev] == -2) {
      return Rank.UNKNOWN; // escaped, or not a string: this pass cannot tell what the parser reads
    }
    if (trim(sev) && ScanBytes.lowerCaseIs(p, from[sev], to[sev], INFO)) {
      return Rank.INFO;
    }
    if (trim(sev) && ScanBytes.lowerCaseIs(p, from[sev], to[sev], CRITICAL)) {
      return Rank.CRITICAL;
    }
    return key == null ? Rank.UNKNOWN : Rank.WARNING;
  }

  private boolean benign(int field) {
    int len = to[field] - from[field];
    for (byte[] b : BENIGN) {
      if (b.length == len
          && p[from[field]] == b[0]
          && p[to[field] - 1] == b[len - 1]
          && ScanBytes.same(p, from[field], b, 0, len)) {
        return true;
      }
    }
    for (int k = from[field]; k < to[field]; k++) {
      byte c = p[k];
      if ((c >= 'A' && c <= 'Z') || c == ' ' || c == '\t') {
        // Not in its plain form: fold case and trim as the parser does.
        String t =
            new String(p, from[field], len, StandardCharsets.UTF_8).trim().toLowerCase(Locale.ROOT);
        return EventParser.BENIGN_TYPES.contains(t);
      }
    }
    return false;
  }

  private boolean trim(int field) {
    return ScanBytes.trim(p, from, to, field);
  }

  /** The svcKey the parser would derive, or null when this pass cannot tell. */
  private String svcKey() {
    int nodeFrom;
    int nodeTo;
    int serviceFrom = NONE;
    int serviceTo = NONE;
    int keySlash = NONE;
    if (from[SVC_KEY] == -2 || from[NODE] == -2 || from[SERVICE] == -2) {
      return null; // what the parser reads there (escaped, or a bad type) this pass cannot tell
    }
    if (from[SVC_KEY] >= 0) {
      keySlash = from[SVC_KEY];
      while (keySlash < to[SVC_KEY] && p[keySlash] != '/') {
        keySlash++;
      }
    }
    if ((!present(NODE) && from[DATA_NODE] == -2)
        || (!present(SERVICE) && from[DATA_SERVICE] == -2)) {
      return null;
    }
    int n = present(NODE) ? NODE : present(DATA_NODE) ? DATA_NODE : NONE;
    if (n != NONE) {
      nodeFrom = from[n];
      nodeTo = to[n];
    } else if (keySlash != NONE && keySlash > from[SVC_KEY]) {
      nodeFrom = from[SVC_KEY];
      nodeTo = keySlash;
    } else {
      return null;
    }
    int s = present(SERVICE) ? SERVICE : present(DATA_SERVICE) ? DATA_SERVICE : NONE;
    if (s != NONE) {
      serviceFrom = from[s];
      serviceTo = to[s];
    } else if (keySlash != NONE && keySlash + 1 < to[SVC_KEY]) {
      serviceFrom = keySlash + 1;
      serviceTo = to[SVC_KEY];
    }
    int nodeLen = nodeTo - nodeFrom;
    int serviceLen = serviceFrom == NONE ? 0 : serviceTo - serviceFrom;
    int rawLen = nodeLen + 1 + serviceLen;
    if (rawLen > scratch.length) {
      return null;
    }
    System.arraycopy(p, nodeFrom, scratch, 0, nodeLen);
    scratch[nodeLen] = '/';
    if (serviceLen > 0) {
      System.arraycopy(p, serviceFrom, scratch, nodeLen + 1, serviceLen);
    }
    int h = 1;
    for (int k = 0; k < rawLen; k++) {
      h = 31 * h + scratch[k];
    }
    int slot = (h ^ (h >>> 16)) & (CACHE - 1);
    byte[] raw = cachedRaw[slot];
    if (raw != null && raw.length == rawLen && ScanBytes.same(raw, 0, scratch, 0, rawLen)) {
      String key = cachedKey[slot];
      return key == INVALID ? null : key;
    }
    Optional<String> nn = Names.normalise(new String(p, nodeFrom, nodeLen, StandardCharsets.UTF_8));
    Optional<String> ns =
        serviceLen == 0
            ? Optional.empty()
            : Names.normalise(new String(p, serviceFrom, serviceLen, StandardCharsets.UTF_8));
    String key =
        nn.isEmpty() || (serviceLen > 0 && ns.isEmpty()) ? INVALID : Names.svcKey(nn.get(), ns);
    cachedRaw[slot] = Arrays.copyOf(scratch, rawLen);
    cachedKey[slot] = key;
    return key == INVALID ? null : key;
  }

  /** Set and not JSON null (it may be escaped or not a string). */
  private boolean given(int field) {
    return from[field] != NONE && from[field] != NULL;
  }

  private boolean present(int field) {
    return from[field] >= 0 && to[field] > from[field];
  }

  // --- the scan, with the position in locals (C1 keeps them in registers): -1 when it meets what
  // it does not read ---

  /** From {@code i} at an object's opening brace to just past its closing one, or -1. */
  private int object(byte[] p, int i, boolean data) {
    i = ScanBytes.ws(p, i);
    if (p[i++] != '{') {
      return -1;
    }
    i = ScanBytes.ws(p, i);
    if (p[i] == '}') {
      return i + 1;
    }
    while (true) {
      i = ScanBytes.ws(p, i);
      if (p[i] != '"') {
        return -1;
      }
      int keyStart = ++i;
      byte c;
      while ((c = p[i]) != '"') {
        if (c == '\\') {
          return -1;
        }
        i++;
      }
      int field = field(p, keyStart, i++, data);
      i = ScanBytes.ws(p, i);
      if (p[i++] != ':') {
        return -1;
      }
      i = ScanBytes.ws(p, i);
      c = p[i];
      if (field == DATA && c == '{') {
        i = object(p, i, true);
        if (i < 0) {
          return -1;
        }
      } else if (field != NONE && field != DATA && c == '"') {
        int start = ++i;
        while ((c = p[i]) != '"' && c != '\\') {
          i++;
        }
        if (c == '"') {
          from[field] = start;
          to[field] = i++;
        } else {
          from[field] = -2; // an escaped string: only the parser reads it
          i = ScanBytes.skipString(p, i);
        }
      } else {
        if (field != NONE && field != DATA) {
          from[field] = c == 'n' ? NULL : -2; // null (absent, to the parser), or not a string
        }
        i = ScanBytes.skipValue(p, i);
        if (i < 0) {
          return -1;
        }
      }
      if (!data
          && present(EVENT_TYPE)
          && p[from[EVENT_TYPE]] > ' ' // blank: a type later decides
          && present(NODE)
          && present(SERVICE)
          && present(SEVERITY)
          && p[from[SEVERITY]] > ' ') {
        // Shape A with its four fields read: nothing later changes the rank (they take precedence
        // over type, data and svc_key), so the rest, often the longest part, is not read.
        stoppedEarly = true;
        return i;
      }
      i = ScanBytes.ws(p, i);
      c = p[i++];
      if (c == '}') {
        return i;
      }
      if (c != ',') {
        return -1;
      }
    }
  }

  private static int field(byte[] p, int start, int end, boolean data) {
    int len = end - start;
    if (data) {
      return ScanBytes.is(p, start, len, ScanBytes.K_NODE)
          ? DATA_NODE
          : ScanBytes.is(p, start, len, ScanBytes.K_SERVICE)
              ? DATA_SERVICE
              : ScanBytes.is(p, start, len, ScanBytes.K_SEVERITY) ? DATA_SEVERITY : NONE;
    }
    switch (len) {
      case 4:
        return ScanBytes.is(p, start, len, ScanBytes.K_NODE)
            ? NODE
            : ScanBytes.is(p, start, len, ScanBytes.K_TYPE)
                ? TYPE
                : ScanBytes.is(p, start, len, ScanBytes.K_DATA) ? DATA : NONE;
      case 7:
        return ScanBytes.is(p, start, len, ScanBytes.K_SERVICE)
            ? SERVICE
            : ScanBytes.is(p, start, len, ScanBytes.K_SVC_KEY) ? SVC_KEY : NONE;
      case 8:
        return ScanBytes.is(p, start, len, ScanBytes.K_SEVERITY) ? SEVERITY : NONE;
      case 10:
        return ScanBytes.is(p, start, len, ScanBytes.K_EVENT_TYPE) ? EVENT_TYPE : NONE;
      default:
        return NONE;
    }
  }
}
