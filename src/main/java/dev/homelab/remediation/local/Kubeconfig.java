package dev.homelab.remediation.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes the kubeconfig that points kubectl at local mode's API server. */
final class Kubeconfig {
  static final String CONTEXT = "remediation-local";

  private Kubeconfig() {}

  static String render(String server, String namespace) {
    return """
        # Written by `remediation-operator local`: kubectl --kubeconfig <this file> get rp
        apiVersion: v1
        kind: Config
        clusters:
        - name: %1$s
          cluster:
            server: %2$s
        users:
        - name: %1$s
          user: {}
        contexts:
        - name: %1$s
          context:
            cluster: %1$s
            user: %1$s
            namespace: %3$s
        current-context: %1$s
        """
        .formatted(CONTEXT, server, namespace);
  }

  /** Writes the file atomically (temp file, then rename), so kubectl never reads half of it. */
  static void write(Path file, String server, String namespace) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, render(server, namespace), StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
