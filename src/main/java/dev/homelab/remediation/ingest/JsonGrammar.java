package dev.homelab.remediation.ingest;

/**
 * The JSON grammar (RFC 8259) over bytes, for {@link FoldScan}: each method reads one value from a
 * position and returns the position just past it, or -1 for anything it does not accept. It is at
 * least as strict as Jackson reading with its defaults, and stricter where that is cheaper: ASCII
 * only, nesting to {@value #MAX_DEPTH}, numbers and keys to {@value #MAX_TOKEN} bytes, no escaped
 * surrogates. Reading past the end of the array throws ArrayIndexOutOfBoundsException.
 */
final class JsonGrammar {
  static final int MAX_DEPTH = 32;

  /** Far under Jackson's limits on numbers (1,000 digits) and names (50,000 bytes). */
  static final int MAX_TOKEN = 200;

  private JsonGrammar() {}

  // --- the grammar (RFC 8259), positions in locals: each returns just past what it read, or -1 ---

  static int value(byte[] p, int i, int depth) {
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

  static int number(byte[] p, int i) {
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

  static boolean literal(byte[] p, int i, char first, String word) {
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
