package dev.homelab.remediation.links;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The approval-link token, signed with HMAC-SHA256: {@code <payload>.<signature>}, both URL-safe
 * base64 without padding. The payload binds the proposal (namespace, name, uid), the verdict, the
 * expiry and the notifier the link was made for; the signature is the MAC of the encoded payload.
 * Pure: no clock, no I/O; {@link #verify} only says whether a token is one this key signed.
 */
public final class ApprovalTokens {
  /** Longer tokens are refused before any work (a real one is under 700 characters). */
  public static final int MAX_TOKEN_LENGTH = 1024;

  private static final String ALGORITHM = "HmacSHA256";
  private static final String VERSION = "v1";
  private static final String SEPARATOR = "|";
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final Pattern UID = Pattern.compile("[A-Za-z0-9-]{1,64}");
  private static final Pattern TARGET = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  /**
   * What a token says. {@code expiresAt} is kept to the second; {@code target} names the notifier
   * the link was sent through (webhook, ntfy, alertmanager), recorded as {@code
   * approved-by=link:<target>}.
   */
  public record Claims(
      String namespace,
      String name,
      String uid,
      Verdict verdict,
      Instant expiresAt,
      String target) {
    public Claims {
      Objects.requireNonNull(verdict, "verdict");
      Objects.requireNonNull(expiresAt, "expiresAt");
      check(NAME, namespace, "namespace");
      check(NAME, name, "name");
      check(UID, uid, "uid");
      check(TARGET, target, "target");
      if (expiresAt.getEpochSecond() < 0) {
        throw new IllegalArgumentException("expiresAt before 1970: " + expiresAt);
      }
      expiresAt = Instant.ofEpochSecond(expiresAt.getEpochSecond());
    }

    /** True from the expiry on. */
    public boolean expiredAt(Instant now) {
      return !now.isBefore(expiresAt);
    }
  }

  private final SecretKeySpec key;

  public ApprovalTokens(String secret) {
    this(secret.getBytes(StandardCharsets.UTF_8));
  }

  public ApprovalTokens(byte[] secret) {
    if (secret.length == 0) {
      throw new IllegalArgumentException("the signing key is empty");
    }
    this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
  }

  /** True when {@code target} may be put in a token (lower-case letters, digits, '-'; 1 to 32). */
  public static boolean validTarget(String target) {
    return target != null && TARGET.matcher(target).matches();
  }

  public String sign(Claims c) {
    String payload =
        String.join(
            SEPARATOR,
            VERSION,
            c.namespace(),
            c.name(),
            c.uid(),
            c.verdict().path(),
            Long.toString(c.expiresAt().getEpochSecond()),
            c.target());
    String encoded = ENCODER.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    return encoded + "." + ENCODER.encodeToString(mac(encoded));
  }

  /**
   * The claims of a token this key signed; empty for anything else (malformed, too long, another
   * key, a changed payload or signature). Expiry is the caller's to check, against its clock.
   */
  public Optional<Claims> verify(String token) {
    if (token == null || token.length() > MAX_TOKEN_LENGTH || !TOKEN.matcher(token).matches()) {
      return Optional.empty();
    }
    int dot = token.indexOf('.');
    String encoded = token.substring(0, dot);
    // The signature as sign() writes it: one spelling only (base64 has spare bits in its last
    // character), compared in constant time so how much of a forgery matched does not show.
    byte[] expected = ENCODER.encodeToString(mac(encoded)).getBytes(StandardCharsets.US_ASCII);
    byte[] given = token.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, given)) {
      return Optional.empty();
    }
    try {
      return parse(new String(DECODER.decode(encoded), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // signed by us, but not a payload we write (a future version)
    }
  }

  private static Optional<Claims> parse(String payload) {
    String[] f = payload.split(Pattern.quote(SEPARATOR), -1);
    if (f.length != 7 || !VERSION.equals(f[0])) {
      return Optional.empty();
    }
    Optional<Verdict> verdict = Verdict.ofPath(f[4]);
    if (verdict.isEmpty() || !f[5].matches("[0-9]{1,12}")) {
      return Optional.empty();
    }
    Instant expires = Instant.ofEpochSecond(Long.parseLong(f[5]));
    return Optional.of(new Claims(f[1], f[2], f[3], verdict.get(), expires, f[6]));
  }

  private byte[] mac(String encodedPayload) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM); // not thread-safe: one per call
      mac.init(key);
      return mac.doFinal(encodedPayload.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static void check(Pattern p, String value, String what) {
    if (value == null || !p.matcher(value).matches()) {
      throw new IllegalArgumentException("not a valid " + what + " for a token: " + value);
    }
  }
}
