package dev.homelab.remediation.util;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * What went wrong talking to the Kubernetes API, in one line a person can act on: the server not
 * reachable at its URL (no kubeconfig, a wrong one, the server down), the server refusing the
 * credentials or the permission, or its answer. The Fabric8 client wraps the cause a few times and
 * often without a message ("java.net.ConnectException: null"); this looks down the chain.
 */
public final class ApiErrors {
  private ApiErrors() {}

  /** The API server's answer in {@code e}'s chain, if it answered at all. */
  public static Optional<KubernetesClientException> answer(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getCode() > 0) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  /** True when the request never reached an API server: name, connection, TLS, timeout. */
  public static boolean unreachable(Throwable e) {
    if (answer(e).isPresent()) {
      return false;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof UnresolvedAddressException
          || t instanceof UnknownHostException
          || t instanceof NoRouteToHostException
          || t instanceof HttpConnectTimeoutException
          || t instanceof InterruptedIOException
          || t instanceof SSLException) {
        return true;
      }
    }
    return false;
  }

  /**
   * "could not be reached at URL: cause", "refused (403): message", "answered 404: message", or
   * else {@code e}'s own message (its deepest cause's when it has none).
   */
  public static String describe(Throwable e, String masterUrl) {
    Optional<KubernetesClientException> answer = answer(e);
    if (answer.isPresent()) {
      KubernetesClientException k = answer.get();
      String detail =
          k.getStatus() != null && k.getStatus().getMessage() != null
              ? k.getStatus().getMessage()
              : k.getMessage();
      return (k.getCode() == 401 || k.getCode() == 403 ? "refused (" : "answered ")
          + k.getCode()
          + (k.getCode() == 401 || k.getCode() == 403 ? "): " : ": ")
          + detail;
    }
    if (unreachable(e)) {
      return "could not be reached at " + masterUrl + ": " + root(e);
    }
    if (goAway(e)) {
      return "at "
          + masterUrl
          + " closed the connection instead of answering (HTTP/2 GOAWAY), as kube-apiserver does"
          + " to a client whose credentials it refuses, and when it restarts: check the user's"
          + " token or certificate in KUBECONFIG (in a pod: its ServiceAccount token)";
    }
    return e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage() : root(e);
  }

  /**
   * True when the server ended the HTTP/2 connection under the request. kube-apiserver answers a
   * request it cannot authenticate with 401 and a GOAWAY (closing connections of unauthenticated
   * clients); Java 17's HttpClient then fails the request with "GOAWAY received" rather than
   * delivering the 401, so this is what a wrong or expired token looks like here.
   */
  public static boolean goAway(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.io.IOException
          && t.getMessage() != null
          && t.getMessage().endsWith("GOAWAY received")) {
        return true;
      }
    }
    return false;
  }

  /** The deepest cause, as "Class: message" or only its class when it has no message. */
  static String root(Throwable e) {
    Throwable r = e;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    String name = r.getClass().getSimpleName();
    return r.getMessage() == null || r.getMessage().isBlank() ? name : name + ": " + r.getMessage();
  }
}
