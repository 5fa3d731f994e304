package dev.homelab.remediation.decision;

import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Name rules: which node and service names are accepted, and how a proposal is named. */
public final class Names {
  /**
   * DNS-1123-like, as SPEC section 2 allows; applied after case folding. The CRD's pattern on node
   * and service is the same one, so the API server and the intake agree.
   */
  public static final Pattern NAME = Pattern.compile(RemediationProposalSpec.NAME_PATTERN);

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

  /**
   * The longest action id whose files fit a file name of 255 bytes: the event file's hidden
   * temporary name is the id and 67 characters ({@code .<time>-remediation_started-<id>.json.tmp-}
   * and up to 16 hex digits).
   */
  public static final int MAX_ACTION_ID = 188;

  /** The longest proposal name an action id is made of (the id adds {@code -} and 8 digits). */
  public static final int MAX_PROPOSAL_NAME = MAX_ACTION_ID - 9;

  /** What an action id, and so a proposal's name, is made of: it names the executor's files. */
  public static final Pattern ACTION_ID = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  /**
   * Why a proposal cannot be acted on, or empty: its name (the action id's, which reaches the
   * executor's file names) or its spec ({@link #specProblem}). The intake names every proposal
   * {@code [a-z0-9-]}, at most 63 characters; one made by hand may be any Kubernetes name.
   */
  public static Optional<String> problem(String name, RemediationProposalSpec spec) {
    if (name == null || !ACTION_ID.matcher(name).matches()) {
      return Optional.of(
          "name "
              + quoted(name)
              + " is not made of a-z, 0-9 and '-' (it names the action's files)");
    }
    if (name.length() > MAX_PROPOSAL_NAME) {
      return Optional.of(
          "name is "
              + name.length()
              + " characters, over the "
              + MAX_PROPOSAL_NAME
              + " the action's file names allow");
    }
    return specProblem(spec);
  }

  /**
   * Why a proposal's spec cannot be acted on, or empty: the intake only writes lower-case
   * DNS-1123-like names and {@code svcKey = node/service} (or {@code node}), but a proposal made by
   * hand or from a manifest in Git may not, and the safety policy reads {@code node} while the
   * action targets {@code svcKey} (SPEC 4: rules 1, 4 and 6 hold only when the two agree).
   */
  public static Optional<String> specProblem(RemediationProposalSpec spec) {
    String node = spec.getNode();
    if (node == null || !normalise(node).equals(Optional.of(node))) {
      return Optional.of("node " + quoted(node) + " is not a lower-case DNS-1123-like name");
    }
    String service = spec.getService();
    if (service != null && !normalise(service).equals(Optional.of(service))) {
      return Optional.of("service " + quoted(service) + " is not a lower-case DNS-1123-like name");
    }
    String expected = svcKey(node, Optional.ofNullable(service));
    if (!expected.equals(spec.getSvcKey())) {
      return Optional.of(
          "svcKey " + quoted(spec.getSvcKey()) + " is not node/service (" + expected + ")");
    }
    if (spec.getEventType() == null || spec.getEventType().isBlank()) {
      return Optional.of("no eventType");
    }
    return Optional.empty();
  }

  private static String quoted(String s) {
    return s == null ? "(none)" : "\"" + s + "\"";
  }

  public static String svcKey(String node, Optional<String> service) {
    return service.map(s -> node + "/" + s).orElse(node);
  }

  /**
   * The identity of the incident an event opens: the same event, delivered twice or seen by two
   * operator instances, always gives the same key. Untimed events are bucketed by the minute they
   * arrived, the first incident of their svcKey with no predecessor.
   */
  public static String incidentKey(HealthEvent e) {
    return incidentKey(e, UNTIMED_BUCKET_SECONDS, null);
  }

  /**
   * {@link #incidentKey(HealthEvent)} for an event that follows the incident named {@code follows}
   * (null: none known) under a cooldown window of {@code cooldown}.
   *
   * <p>An event without its own time is identified by its bytes, the bucket of arrival time it fell
   * in, and the incident it follows: a redelivery (or a second instance) within the bucket names
   * the same incident, while the same payload sent again once the old incident is over opens a new
   * one. The bucket is never wider than the cooldown window, so an event after the window always
   * falls in a later bucket than the proposal it would otherwise collide with; and naming the
   * incident it follows keeps a recurrence after a recovery, inside the same bucket, from taking
   * the recovered proposal's name. An event with a time is identified by it alone: the same event
   * replayed later is a repeat, not a new incident.
   */
  public static String incidentKey(HealthEvent e, Duration cooldown, String follows) {
    return incidentKey(e, untimedBucketSeconds(cooldown), follows);
  }

  private static String incidentKey(HealthEvent e, long bucketSeconds, String follows) {
    String when =
        e.timestampGiven()
            ? Long.toString(e.observedAt().toEpochMilli())
            : "payload:"
                + e.fingerprint()
                + "@"
                + e.receivedAt().getEpochSecond() / bucketSeconds
                + (bucketSeconds == UNTIMED_BUCKET_SECONDS ? "" : "/" + bucketSeconds)
                + (follows == null ? "" : "\nafter:" + follows);
    return e.svcKey() + "\n" + e.eventType() + "\n" + when;
  }

  /** The widest arrival-time bucket that identifies incidents of events without a time. */
  public static final long UNTIMED_BUCKET_SECONDS = 60;

  /** The bucket for untimed events under {@code cooldown}: a minute, or the window if shorter. */
  static long untimedBucketSeconds(Duration cooldown) {
    return Math.max(1, Math.min(UNTIMED_BUCKET_SECONDS, cooldown.toSeconds()));
  }

  /**
   * The proposal's name: {@code <node>-<service>-<hash of the incident key>}, a valid Kubernetes
   * object name of at most 63 characters. For the first incident of its svcKey under the default
   * cooldown; the intake names with {@link #proposalName(HealthEvent, Duration, String)}.
   */
  public static String proposalName(HealthEvent e) {
    return nameFor(e, incidentKey(e));
  }

  /** The proposal's name for an event following the incident {@code follows} (null: none). */
  public static String proposalName(HealthEvent e, Duration cooldown, String follows) {
    return nameFor(e, incidentKey(e, cooldown, follows));
  }

  private static String nameFor(HealthEvent e, String incidentKey) {
    String prefix = (e.node() + e.service().map(s -> "-" + s).orElse("")).replace('_', '-');
    prefix = prefix.replace('.', '-');
    if (prefix.length() > MAX_PREFIX) {
      prefix = prefix.substring(0, MAX_PREFIX);
    }
    while (prefix.endsWith("-")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return prefix + "-" + sha256Hex(incidentKey).substring(0, HASH_CHARS);
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
