package dev.homelab.remediation.util;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The one way the operator opens a JDK {@link HttpServer} (the operations endpoints and the
 * approval links), with two settings the JDK reads once, when the first server of the process is
 * made, so they are set here, before that, unless given on the command line:
 *
 * <ul>
 *   <li>{@code sun.net.httpserver.nodelay}: the JDK's server leaves Nagle's algorithm on; it writes
 *       an answer's headers and its body apart, and the body then waits for the client's delayed
 *       ACK, 40 ms on Linux, on every request (a {@code /healthz} on loopback took 44 ms instead of
 *       under 1).
 *   <li>{@code sun.net.httpserver.maxReqTime}: the JDK's server reads a request's line, headers and
 *       body on one of the server's few threads, blocking, and by default waits for them forever,
 *       so a client that sends half a request and stops (or a body a byte a minute) holds that
 *       thread until the connection closes; two such connections stopped every approval link. Past
 *       {@value #REQUEST_SECONDS} s the JDK closes a connection whose request has not all arrived.
 * </ul>
 */
public final class HttpServers {
  static final String NO_DELAY = "sun.net.httpserver.nodelay";
  static final String MAX_REQUEST_TIME = "sun.net.httpserver.maxReqTime";

  /** Time a request gets to arrive whole, line, headers and body (a phone on a slow network). */
  public static final int REQUEST_SECONDS = 10;

  private HttpServers() {}

  public static HttpServer create(InetSocketAddress address, int backlog) throws IOException {
    if (System.getProperty(NO_DELAY) == null) {
      System.setProperty(NO_DELAY, "true");
    }
    if (System.getProperty(MAX_REQUEST_TIME) == null) {
      System.setProperty(MAX_REQUEST_TIME, Integer.toString(REQUEST_SECONDS));
    }
    return HttpServer.create(address, backlog);
  }
}
