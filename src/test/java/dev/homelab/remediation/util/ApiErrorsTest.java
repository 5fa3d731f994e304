package dev.homelab.remediation.util;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class ApiErrorsTest {
  static final String URL = "https://127.0.0.1:6443/";

  /**
   * What a wrong token gives against kube-apiserver over HTTP/2 with Java 17's client (seen against
   * a real 1.36 server): no 401, the request fails with "GOAWAY received".
   */
  @Test
  void aGoAwayIsDescribedAsRefusedCredentials() {
    var e =
        new KubernetesClientException(
            "An error has occurred.", new IOException("/127.0.0.1:45516: GOAWAY received"));
    assertThat(ApiErrors.goAway(e)).isTrue();
    assertThat(ApiErrors.unreachable(e)).isFalse();
    assertThat(ApiErrors.describe(e, URL))
        .startsWith("at " + URL + " closed the connection instead of answering (HTTP/2 GOAWAY)")
        .contains("token or certificate in KUBECONFIG");
  }

  @Test
  void otherFailuresAreNotAGoAway() {
    var refused = new KubernetesClientException("x", new ConnectException("Connection refused"));
    assertThat(ApiErrors.goAway(refused)).isFalse();
    assertThat(ApiErrors.describe(refused, URL)).startsWith("could not be reached at " + URL);
    assertThat(ApiErrors.goAway(new IOException("stream reset"))).isFalse();
  }
}
