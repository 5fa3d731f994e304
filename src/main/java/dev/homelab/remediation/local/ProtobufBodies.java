package dev.homelab.remediation.local;

import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Request bodies in Kubernetes' protobuf encoding, which local mode's store cannot read (it reads
 * JSON and YAML). kubectl sends the built-in objects it builds itself ({@code kubectl create
 * namespace}, {@code create configmap}) as protobuf, and kubectl 1.32 does not try again in JSON
 * after a 415; objects from a file ({@code create -f}) go as JSON.
 */
final class ProtobufBodies {
  private static final String TYPE = "application/vnd.kubernetes.protobuf";
  private static final byte[] MAGIC = {'k', '8', 's', 0};

  private ProtobufBodies() {}

  /** A protobuf body: by its Content-Type, or by the bytes "k8s\0" it starts with. */
  static boolean isProtobuf(RecordedRequest request) {
    String type = String.valueOf(request.getHeader("Content-Type"));
    if (type.toLowerCase(Locale.ROOT).startsWith(TYPE)) {
      return true;
    }
    byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes();
    return body.length >= MAGIC.length
        && Arrays.equals(body, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
  }

  /** The message of the 415: nothing changed, and what to run instead. */
  static String refusal(String path, Optional<Discovery.Resource> resource) {
    String refusal =
        "local mode's API server reads JSON and YAML, not protobuf: nothing was changed";
    if (resource.isEmpty()) {
      return refusal + " (and it does not serve " + path + " at all: see kubectl api-resources)";
    }
    Discovery.Resource r = resource.get();
    String how =
        r.group().isEmpty() && r.plural().equals("namespaces")
            ? "kubectl create namespace NAME --dry-run=client -o yaml"
                + " | kubectl create --validate=false -f -"
            : "kubectl create --validate=false -f FILE";
    return refusal
        + " (kubectl sends the objects it builds itself as protobuf; instead: "
        + how
        + ")";
  }
}
