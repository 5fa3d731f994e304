package dev.homelab.remediation.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.homelab.remediation.support.MockKube;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Start-up stops, naming the CRD, when the silences cannot be listed. */
@MockKube(crud = false)
class SilenceCacheTest {
  static KubernetesClient client;

  @Test
  void aMissingCrdStopsStartUpNamingIt() {
    // Without expectations the mock server answers 404, as an API server without the CRD does.
    SilenceCache cache = new SilenceCache(client, "homelab");
    long started = System.nanoTime();
    assertThatThrownBy(() -> cache.start(Duration.ofSeconds(5)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("remediationsilences.remediation.homelab.dev")
        .hasMessageContaining("namespace homelab");
    assertThat(cache.current()).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    cache.close();
  }
}
