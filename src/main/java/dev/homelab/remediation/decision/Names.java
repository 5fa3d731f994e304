package dev.homelab.remediation.decision;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Name rules: which node and service names are accepted, and how a proposal is named. */
public final class Names {
  /** DNS-1123-like, as SPEC section 2 allows; applied after case folding. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9_.]*[a-z0-9])?");

  public static final int MAX_NAME_LENGTH = 63;
  private static final int HASH_CHARS = 10;
  private static final int MAX_PREFIX = MAX_NAME_LENGTH - HASH_CHARS - 1;

  private Names() {}

  /** Case-folds and validates a node or service name; empty when it is not acceptable. */
  public static Optional<String> normalise(String raw) {
    if (raw == null) {
      return Optional.empty();
    }
    String v = raw.toLowerCase(Locale.ROOT);
    if (v.length() > MAX_NAME_LENGTH || !isName(v) || v.contains("..")) {
      return Optional.empty();
    }
    return Optional.of(v);
  }

  /** {@link #NAME} as a loop: called for every event, and a regex costs more there. */
  static boolean isName(String v) {
    int n = v.length();
    if (n == 0 || !alnum(v.charAt(0)) || !alnum(v.charAt(n - 1))) {
      return false;
    }
    for (int i = 1; i < n - 1; i++) {
      char c = v.charAt(i);
      if (!alnum(c) && c != '-' && c != '_' && c != '.') {
        return false;
      }
    }
    return true;
  }

  private static boolean alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }

  public static String svcKey(String node, Optional<String> service) {
    return service.map(s -> node + "/" + s).orElse(node);
  }

  /**
   * The identity of the incident an event opens: the same event, delivered twice or seen by two
   * operator instances, always gives the same key.
   */
  public static String incidentKey(HealthEvent e) {
    // An event without its own time is identified by its bytes and the minute it arrived: a
    // redelivery (or a second instance) within the minute names the same incident, and the same
    // payload sent again later opens a new one once the old incident is over.
    String when =
        e.timestampGiven()
            ? Long.toString(e.observedAt().toEpochMilli())
            : "payload:"
                + e.fingerprint()
                + "@"
                + e.receivedAt().getEpochSecond() / UNTIMED_BUCKET_SECONDS;
    return e.svcKey() + "\n" + e.eventType() + "\n" + when;
  }

  /** Width of the arrival-time bucket that identifies incidents of events without a time. */
  public static final long UNTIMED_BUCKET_SECONDS = 60;

  /**
   * The proposal's name: {@code <node>-<service>-<hash of the incident key>}, a valid Kubernetes
   * object name of at most 63 characters.
   */
  public static String proposalName(HealthEvent e) {
    String prefix = (e.node() + e.service().map(s -> "-" + s).orElse("")).replace('_', '-');
    prefix = prefix.replace('.', '-');
    if (prefix.length() > MAX_PREFIX) {
      prefix = prefix.substring(0, MAX_PREFIX);
    }
    while (prefix.endsWith("-")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return prefix + "-" + sha256Hex(incidentKey(e)).substring(0, HASH_CHARS);
  }

  public static String sha256Hex(String text) {
    return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
  }

  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
