package dev.homelab.remediation.config;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How the values of settings are parsed and checked, and the defaults that depend on where the
 * operator runs. Every refusal is an {@link IllegalArgumentException} saying what is wrong; {@link
 * Setting#parse} adds the setting's name.
 */
final class Values {
  static final String SERVICE_ACCOUNT_NAMESPACE_FILE =
      "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
  static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9_.]*[a-z0-9])?");

  /**
   * Any event type the intake accepts (SPEC 2: any printable type, at most 128 characters, case
   * folded and trimmed, as EventParser reads it); a comma separates the list's items.
   */
  static final Pattern EVENT_TYPE = Pattern.compile("[^\\p{Cntrl}]{1,128}");

  static final int MIN_SECRET_LENGTH = 32;
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private Values() {}

  static long wholeNumber(String v, long lo, long hi) {
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a whole number, got '" + v + "'");
    }
    if (n < lo || n > hi) {
      throw new IllegalArgumentException("must be between " + lo + " and " + hi + ", got " + n);
    }
    return n;
  }

  /**
   * The most MAX_MESSAGE_BYTES may be: the whole event (message, details) is copied into its
   * proposal, and an API server refuses objects over about 1.5 MiB (etcd's request limit), so a
   * larger message would make a proposal whose creation fails, and is retried, for ever.
   */
  static final int MAX_MESSAGE_BYTES = 1 << 20;

  static int messageBytes(String v) {
    long n = wholeNumber(v, Long.MIN_VALUE, Long.MAX_VALUE);
    if (n > MAX_MESSAGE_BYTES) {
      throw new IllegalArgumentException(
          "must be at most "
              + MAX_MESSAGE_BYTES
              + " (1 MiB), got "
              + n
              + ": the event is copied into its proposal, and the Kubernetes API server (etcd)"
              + " refuses objects over about 1.5 MiB, so a larger message could never become one");
    }
    return (int) wholeNumber(v, 64, MAX_MESSAGE_BYTES);
  }

  static double number(String v, double lo, double hi) {
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a number, got '" + v + "'");
    }
    if (!(d >= lo && d <= hi)) {
      throw new IllegalArgumentException("must be between " + lo + " and " + hi + ", got " + v);
    }
    return d;
  }

  static Duration duration(String v, Duration lo, Duration hi) {
    String range = format(lo) + " and " + format(hi);
    Duration d;
    try {
      d = Durations.parse(v);
    } catch (ArithmeticException | NumberFormatException e) {
      // Only a run of digits overflows: the number is too large.
      throw new IllegalArgumentException("must be between " + range + ", got '" + v + "'");
    }
    if (d.compareTo(lo) < 0 || d.compareTo(hi) > 0) {
      throw new IllegalArgumentException("must be between " + range + ", got '" + v + "'");
    }
    return d;
  }

  /** The word in lower case, if it is one of {@code words}. */
  static String oneOf(String v, List<String> words) {
    String w = v.toLowerCase(Locale.ROOT);
    if (words.contains(w)) {
      return w;
    }
    throw new IllegalArgumentException(
        "must be one of " + String.join(", ", words) + ", got '" + w + "'");
  }

  static Path path(String v) {
    if (v.isBlank()) {
      throw new IllegalArgumentException("must not be empty");
    }
    if (v.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("contains a NUL character");
    }
    return Path.of(v).toAbsolutePath().normalize();
  }

  /** A comma-separated list, case-folded; empty items are skipped. */
  static Set<String> names(String v, Pattern item) {
    Set<String> out = new LinkedHashSet<>();
    for (String part : v.split(",")) {
      String p = part.trim().toLowerCase(Locale.ROOT);
      if (p.isEmpty()) {
        continue;
      }
      if (!item.matcher(p).matches()) {
        throw new IllegalArgumentException("'" + part.trim() + "' is not a valid name");
      }
      out.add(p);
    }
    return Set.copyOf(out);
  }

  static String redisUrl(String v) {
    URI uri;
    try {
      uri = URI.create(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a URL: '" + redact(v) + "'");
    }
    if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
      throw new IllegalArgumentException(
          "must start with redis:// or rediss://, got '" + redact(v) + "'");
    }
    if (uri.getPort() > 65535) {
      throw new IllegalArgumentException("port out of range: '" + redact(v) + "'");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("has no host: '" + redact(v) + "'");
    }
    try {
      io.lettuce.core.RedisURI.create(v); // the intake's reading, stricter than java.net.URI's
    } catch (RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      String secret = uri.getRawUserInfo();
      if (secret != null && !secret.isEmpty() && why.contains(secret.replaceFirst("^[^:]*:", ""))) {
        why = e.getClass().getSimpleName(); // nothing of the password in a log line
      }
      throw new IllegalArgumentException(
          "not a Redis URL: '"
              + redact(v)
              + "' ("
              + why
              + "; a path is a database number, as in redis://redis:6379/0)");
    }
    return v;
  }

  /** An http:// or https:// URL with a host (a notification target); kept as given. */
  static String httpUrl(String v) {
    URI uri;
    try {
      uri = URI.create(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a URL: '" + redact(v) + "'");
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new IllegalArgumentException(
          "must start with http:// or https://, got '" + redact(v) + "'");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty() || uri.getPort() > 65535) {
      throw new IllegalArgumentException("has no host or a bad port: '" + redact(v) + "'");
    }
    return v;
  }

  private static String redact(String url) {
    return url.replaceAll("//[^@/]*@", "//***@");
  }

  /** An absolute http(s) URL with a host and no query or fragment, without a trailing slash. */
  static String baseUrl(String v) {
    URI uri;
    try {
      uri = new URI(v);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("not a URL: '" + v + "'");
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new IllegalArgumentException("must start with http:// or https://, got '" + v + "'");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("has no host: '" + v + "'");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("must have no query, fragment or user, got '" + v + "'");
    }
    String out = v;
    while (out.endsWith("/")) {
      out = out.substring(0, out.length() - 1);
    }
    return out;
  }

  /** A signing key: long enough to guess no sooner than the HMAC itself. Never echoed. */
  static String secret(String v) {
    if (v.length() < MIN_SECRET_LENGTH) {
      throw new IllegalArgumentException(
          "must be at least "
              + MIN_SECRET_LENGTH
              + " characters (got "
              + v.length()
              + "); e.g. openssl rand -base64 32");
    }
    return v;
  }

  static String channel(String v) {
    if (v.chars().anyMatch(c -> c <= ' ' || c == '*' || c == '?' || c == '[')) {
      throw new IllegalArgumentException(
          "must be a plain channel name without spaces or patterns, got '" + v + "'");
    }
    return v;
  }

  /** A Kubernetes name that must be a DNS label; {@code what} is e.g. "namespace name". */
  static String dnsLabel(String v, String what) {
    if (v.length() > 63 || !DNS_LABEL.matcher(v).matches()) {
      throw new IllegalArgumentException("'" + v + "' is not a valid Kubernetes " + what);
    }
    return v;
  }

  static String nodeName(String value) {
    String v = value.toLowerCase(Locale.ROOT);
    if (v.length() > 63 || !NAME.matcher(v).matches()) {
      throw new IllegalArgumentException("'" + v + "' is not a valid node name");
    }
    return v;
  }

  /** The namespace of the pod's service account, in a cluster. */
  static Optional<String> podNamespace() {
    Path file = Path.of(SERVICE_ACCOUNT_NAMESPACE_FILE);
    try {
      if (Files.isReadable(file)) {
        return Optional.of(Files.readString(file, StandardCharsets.UTF_8).trim());
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  static String hostName() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "localhost";
    }
  }

  static String quoted(List<String> words) {
    return words.stream().map(w -> "`" + w + "`").collect(Collectors.joining(", "));
  }

  /** A duration in the largest unit that divides it: 90s, 30m, 24h, 7d (one day shows as 24h). */
  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0) {
      return ms + "ms";
    }
    long s = ms / 1000;
    if (s % 86_400 == 0 && s > 86_400) {
      return s / 86_400 + "d";
    }
    if (s % 3600 == 0 && s > 0) {
      return s / 3600 + "h";
    }
    if (s % 60 == 0 && s > 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }
}
