package dev.homelab.remediation.ingest;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.net.URI;
import java.util.Optional;

/**
 * {@code REDIS_URL} with {@code REDIS_PASSWORD}, the same way for the intake and {@code publish}.
 */
public final class RedisUris {
  private RedisUris() {}

  /**
   * The URI of {@code url}, with {@code password} (when given) in place of any password in it. A
   * user name in the URL is kept, so an ACL user logs in with the password: {@code
   * redis://operator:x@redis:6379}, and also {@code redis://operator@redis:6379}, which Lettuce
   * alone reads as a password ({@code redis://password@host}) and which with a separate password
   * can only mean a user.
   *
   * @throws IllegalArgumentException when {@code url} is not a Redis URL
   */
  public static RedisURI create(String url, Optional<String> password) {
    RedisURI uri = RedisURI.create(url);
    password.ifPresent(
        p -> {
          String user = userOf(uri).or(() -> bareUser(url)).orElse(null);
          if (user == null) {
            uri.setAuthentication(p.toCharArray());
          } else {
            uri.setAuthentication(user, p.toCharArray());
          }
        });
    return uri;
  }

  private static Optional<String> userOf(RedisURI uri) {
    if (uri.getCredentialsProvider() == null) {
      return Optional.empty();
    }
    RedisCredentials c = uri.getCredentialsProvider().resolveCredentials().block();
    return c != null && c.hasUsername() ? Optional.of(c.getUsername()) : Optional.empty();
  }

  /** The user info of {@code url} when it has no {@code :}, percent-decoded; empty otherwise. */
  private static Optional<String> bareUser(String url) {
    try {
      URI u = URI.create(url);
      String raw = u.getRawUserInfo();
      if (raw == null || raw.isEmpty() || raw.contains(":")) {
        return Optional.empty();
      }
      return Optional.of(u.getUserInfo()); // decoded as Lettuce decodes its own
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // a form java.net.URI does not take (redis-socket://): no user
    }
  }
}
