package dev.homelab.remediation.ingest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the RESP2 replies a subscribed connection receives (arrays of bulk strings and integers)
 * from its own buffer, without allocating anything but the payloads handed on. Not thread-safe: one
 * reader thread per connection.
 */
final class RespReader {
  private static final int BUFFER = 1 << 16;

  private final InputStream in;
  private final java.util.function.LongConsumer backlog;
  private final Runnable beforeRead;
  private final byte[] buf = new byte[BUFFER];
  private int pos;
  private int end;

  /**
   * {@code backlog} hears, after each read from the socket, how many bytes are still waiting in it:
   * how far this reader is behind the server.
   */
  RespReader(InputStream in, java.util.function.LongConsumer backlog) {
    this(in, backlog, () -> {});
  }

  /** {@code beforeRead} runs before each read from the socket, which may wait for bytes. */
  RespReader(InputStream in, java.util.function.LongConsumer backlog, Runnable beforeRead) {
    this.in = in;
    this.backlog = backlog;
    this.beforeRead = beforeRead;
  }

  private int next() throws IOException {
    if (pos == end) {
      fill();
    }
    return buf[pos++];
  }

  private void fill() throws IOException {
    beforeRead.run();
    int n = in.read(buf, 0, BUFFER);
    if (n < 0) {
      throw new EOFException("Redis closed the connection");
    }
    pos = 0;
    end = n;
    if (n == BUFFER) {
      backlog.accept(in.available()); // one call per full buffer, not per message
    } else {
      backlog.accept(0);
    }
  }

  /** The buffer a body found by {@link #bodyInPlace} is in. */
  byte[] buffer() {
    return buf;
  }

  /**
   * When the next {@code length} bytes and their CRLF are already buffered: their offset in {@link
   * #buffer()}, consumed; the caller reads them before the next call. Otherwise -1 and nothing is
   * consumed.
   */
  int bodyInPlace(int length) {
    if (end - pos < length + 2) {
      return -1;
    }
    int at = pos;
    pos += length + 2;
    return at;
  }

  private void expect(int type) throws IOException {
    int b = next();
    if (b == '-') {
      throw new IOException("Redis error: " + line());
    }
    if (b != type) {
      throw new IOException(
          "unexpected RESP type '" + (char) b + "', expected '" + (char) type + "'");
    }
  }

  /** A decimal number up to CRLF. */
  private long number() throws IOException {
    long n = 0;
    boolean negative = false;
    int b = next();
    if (b == '-') {
      negative = true;
      b = next();
    }
    while (b != '\r') {
      if (b < '0' || b > '9' || n > Long.MAX_VALUE / 10) {
        throw new IOException("bad RESP number");
      }
      n = n * 10 + (b - '0');
      b = next();
    }
    next(); // \n
    return negative ? -n : n;
  }

  private String line() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b = next(); b != '\r'; b = next()) {
      if (sb.length() < 1024) {
        sb.append((char) (b & 0xff)); // kept short for a message; read to its end regardless
      }
    }
    next();
    return sb.toString();
  }

  /**
   * {@code *N}: the number of elements of the next array; 0 for a simple string or an integer
   * (consumed), which a subscribed connection does not expect but need not die of.
   */
  int arrayHeader() throws IOException {
    int b = next();
    if (b == '+' || b == ':') {
      line();
      return 0;
    }
    if (b == '-') {
      throw new IOException("Redis error: " + line());
    }
    if (b != '*') {
      throw new IOException("unexpected RESP type '" + (char) b + "', expected '*'");
    }
    long n = number();
    if (n < 0 || n > 16) {
      throw new IOException("unexpected RESP array of " + n);
    }
    return (int) n;
  }

  /** {@code $N}: the length of the next bulk string. */
  long bulkLength() throws IOException {
    expect('$');
    long n = number();
    if (n < 0) {
      throw new IOException("unexpected null bulk string");
    }
    return n;
  }

  /** The body of a bulk string of {@code length} bytes (and its CRLF), copied. */
  byte[] bulkBody(int length) throws IOException {
    byte[] out = new byte[length];
    int have = Math.min(end - pos, length);
    System.arraycopy(buf, pos, out, 0, have);
    pos += have;
    int off = have;
    while (off < length) {
      int n = in.read(out, off, length - off);
      if (n < 0) {
        throw new EOFException("Redis closed the connection");
      }
      off += n;
    }
    skip(2);
    return out;
  }

  /** A short bulk string (a reply kind such as "message"), copied. */
  byte[] smallBulk() throws IOException {
    long n = bulkLength();
    if (n > 64) {
      throw new IOException("unexpected RESP element of " + n + " bytes");
    }
    return bulkBody((int) n);
  }

  /**
   * A bulk string compared with {@code candidates} in place: the index of the one it equals, or -1.
   */
  int bulkMatching(byte[][] candidates) throws IOException {
    long n = bulkLength();
    if (end - pos >= n + 2) {
      int found = -1;
      for (int i = 0; i < candidates.length; i++) {
        byte[] c = candidates[i];
        if (c.length == n && Arrays.equals(buf, pos, pos + c.length, c, 0, c.length)) {
          found = i;
          break;
        }
      }
      pos += (int) n + 2;
      return found;
    }
    if (n > 4096) {
      skip(n + 2);
      return -1;
    }
    byte[] body = bulkBody((int) n);
    for (int i = 0; i < candidates.length; i++) {
      if (Arrays.equals(body, candidates[i])) {
        return i;
      }
    }
    return -1;
  }

  /** Skips one element: a bulk string, an integer or a simple string. */
  void skipElement() throws IOException {
    int b = next();
    if (b == '$') {
      skipBulkBody();
    } else if (b == ':' || b == '+') {
      line();
    } else if (b == '-') {
      throw new IOException("Redis error: " + line());
    } else {
      throw new IOException("unexpected RESP type '" + (char) b + "'");
    }
  }

  /** After a bulk string's {@code $}: its length, its body and CRLF (none for a null one). */
  private void skipBulkBody() throws IOException {
    long n = number();
    if (n >= 0) {
      skip(n + 2);
    }
  }

  void skip(long n) throws IOException {
    while (n > 0) {
      if (pos == end) {
        fill();
      }
      int k = (int) Math.min(n, end - pos);
      pos += k;
      n -= k;
    }
  }

  /** {@code +OK}, or the error Redis answered to {@code command}. */
  void expectOk(String command) throws IOException {
    int b = next();
    String text = line();
    if (b != '+') {
      throw new IOException(command + " refused: " + text);
    }
  }

  /** An error reply: Redis refused the command (unknown, or not allowed to this user). */
  static final class Refused extends IOException {
    Refused(String command, String error) {
      super(command + " refused: " + error);
    }
  }

  /**
   * An integer reply ({@code :N}) to {@code command}. An error, or another reply where a number
   * belongs (a stand-in that answers OK to what it does not know, a bulk string, a RESP3 null), is
   * {@link Refused}, read to its end.
   */
  long integer(String command) throws IOException {
    int b = next();
    if (b == ':') {
      return number();
    }
    throw refusedOrBroken(command, b);
  }

  /** A simple-string reply ({@code +OK}) to {@code command}; anything else as {@link #integer}. */
  String simple(String command) throws IOException {
    int b = next();
    if (b == '+') {
      return line();
    }
    throw refusedOrBroken(command, b);
  }

  /**
   * A bulk string reply of at most {@code max} bytes to {@code command}, as ASCII; anything else as
   * {@link #integer}.
   */
  String bulkString(String command, int max) throws IOException {
    int b = next();
    if (b != '$') {
      throw refusedOrBroken(command, b);
    }
    return bulkBodyUpTo(command, max);
  }

  /** An array of at most 16 bulk strings of at most {@code max} bytes each (CONFIG GET's). */
  List<String> bulkStrings(String command, int max) throws IOException {
    int b = next();
    if (b != '*') {
      throw refusedOrBroken(command, b);
    }
    long n = number();
    if (n < 0 || n > 16) {
      throw new IOException("unexpected RESP array of " + n + " answering " + command);
    }
    List<String> out = new ArrayList<>((int) n);
    for (int i = 0; i < n; i++) {
      expect('$');
      out.add(bulkBodyUpTo(command, max));
    }
    return out;
  }

  private String bulkBodyUpTo(String command, int max) throws IOException {
    long n = number();
    if (n < 0 || n > max) {
      throw new IOException("unexpected reply of " + n + " bytes to " + command);
    }
    return new String(bulkBody((int) n), StandardCharsets.US_ASCII);
  }

  /**
   * After the type byte {@code b} of a reply that is not the one expected: {@link Refused} when it
   * could be read to its end (an error, a simple string, a bulk string, a RESP3 null), so the
   * connection stays in step; a plain IOException (the connection is given up) otherwise.
   */
  private IOException refusedOrBroken(String command, int b) throws IOException {
    if (b == '-' || b == '+') {
      return new Refused(command, line());
    }
    if (b == '_') {
      line();
      return new Refused(command, "null");
    }
    if (b == '$') {
      skipBulkBody();
      return new Refused(command, "a bulk string");
    }
    return new IOException("unexpected RESP type '" + (char) b + "' answering " + command);
  }

  /** A {@code subscribe} confirmation. */
  void expectSubscribed() throws IOException {
    int parts = arrayHeader();
    byte[] kind = smallBulk();
    if (parts != 3 || !"subscribe".equals(new String(kind, StandardCharsets.US_ASCII))) {
      throw new IOException("unexpected reply to SUBSCRIBE");
    }
    skipElement();
    skipElement();
  }
}
