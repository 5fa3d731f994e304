package dev.homelab.remediation.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks that a loopback port is free before local mode tries to listen on it. */
final class Ports {
  private Ports() {}

  /**
   * @throws LocalStartException naming what needed the port and how to choose another one
   */
  static void requireFree(int port, String what, String flag, String env) {
    requireFree(port, what, flag + " or " + env);
  }

  /**
   * As {@link #requireFree(int, String, String, String)}, for a port chosen only by {@code how}.
   */
  static void requireFree(int port, String what, String how) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(
          true); // as the servers do: a recent run's TIME_WAIT sockets are not a conflict
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
    } catch (IOException e) {
      throw new LocalStartException(
          "port "
              + port
              + " on 127.0.0.1 is already in use, so "
              + what
              + " cannot listen there (is another `remediation-operator local` running?); stop what uses it, "
              + "or choose another port with "
              + how);
    }
  }
}
