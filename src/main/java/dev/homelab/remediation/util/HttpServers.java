package dev.homelab.remediation.util;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The one way the operator opens a JDK {@link HttpServer} (the operations endpoints and the
 * approval links). The JDK's server leaves Nagle's algorithm on: it writes an answer's headers and
 * its body apart, and the body then waits for the client's delayed ACK, 40 ms on Linux, on every
 * request (a {@code /healthz} on loopback took 44 ms instead of under 1). {@code
 * sun.net.httpserver.nodelay} turns it off; the JDK reads it once, when the first server of the
 * process is made, so it is set here, before that, unless it was given on the command line.
 */
public final class HttpServers {
  static final String NO_DELAY = "sun.net.httpserver.nodelay";

  private HttpServers() {}

  public static HttpServer create(InetSocketAddress address, int backlog) throws IOException {
    if (System.getProperty(NO_DELAY) == null) {
      System.setProperty(NO_DELAY, "true");
    }
    return HttpServer.create(address, backlog);
  }
}
