package dev.homelab.remediation.controller;

import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import dev.homelab.remediation.decision.HumanDurations;
import dev.homelab.remediation.decision.Silences;
import dev.homelab.remediation.util.ApiErrors;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RemediationSilences of the watched namespace, as an informer sees them. Started, and synced,
 * before the proposal controller, so no incident is decided before the silences are known.
 */
public final class SilenceCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SilenceCache.class);
  static final String CRD = "remediationsilences.remediation.homelab.dev";

  private final KubernetesClient client;
  private final String namespace;
  private volatile SharedIndexInformer<RemediationSilence> informer;

  public SilenceCache(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /**
   * Starts watching and waits for the initial list.
   *
   * @throws IllegalStateException when the silences cannot be listed within {@code timeout} (the
   *     CRD not installed, no permission), naming the CRD
   */
  public void start(Duration timeout) {
    SharedIndexInformer<RemediationSilence> i =
        client.resources(RemediationSilence.class).inNamespace(namespace).runnableInformer(0);
    informer = i;
    try {
      i.start().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      informer = null;
      i.close();
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException(listingFailed(cause, timeout), cause);
    } catch (InterruptedException e) {
      informer = null;
      i.close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing silences", e);
    }
    LOG.atInfo()
        .addKeyValue("namespace", namespace)
        .addKeyValue("silences", i.getStore().list().size())
        .log("silence cache synced");
  }

  /** Why the first list failed, with what to do: the server, the CRD, the Role, or the wait. */
  private String listingFailed(Throwable cause, Duration timeout) {
    String what = "cannot list RemediationSilences in namespace " + namespace + ": ";
    if (cause instanceof TimeoutException) {
      return what
          + "no answer within "
          + HumanDurations.format(timeout)
          + " (is the CRD "
          + CRD
          + " installed? kubectl apply -f crds/)";
    }
    String api =
        "the Kubernetes API " + ApiErrors.describe(cause, client.getMasterUrl().toString());
    int code = ApiErrors.answer(cause).map(KubernetesClientException::getCode).orElse(0);
    if (code == 404) {
      return what + api + " (is the CRD " + CRD + " installed? kubectl apply -f crds/)";
    }
    if (code == 403) {
      return what + api + " (the operator's Role must allow list and watch on them)";
    }
    if (ApiErrors.unreachable(cause)) {
      return what + api + " (no kubeconfig? set KUBECONFIG, or run it in a pod)";
    }
    return what + api;
  }

  public boolean synced() {
    SharedIndexInformer<RemediationSilence> i = informer;
    return i != null && i.hasSynced();
  }

  /**
   * Whether the silence {@code name} is active at {@code now}; false once it has ended, was expired
   * or deleted, or its times do not parse. True while the cache has not listed yet: nothing is
   * known to have ended.
   */
  public boolean active(String name, Instant now) {
    SharedIndexInformer<RemediationSilence> i = informer;
    if (i == null || !i.hasSynced()) {
      return true;
    }
    RemediationSilence s = i.getStore().getByKey(namespace + "/" + name);
    return s != null && Silences.of(s).map(x -> x.activeAt(now)).orElse(false);
  }

  /**
   * Every silence of the namespace whose times parse (pending, active and expired alike: {@link
   * Silences#matching} checks the window), by name. Thread-safe; empty before {@link #start}.
   */
  public List<Silences.Silence> current() {
    SharedIndexInformer<RemediationSilence> i = informer;
    if (i == null) {
      return List.of();
    }
    return i.getStore().list().stream()
        .map(Silences::of)
        .flatMap(Optional::stream)
        .sorted(Comparator.comparing(Silences.Silence::name))
        .toList();
  }

  @Override
  public void close() {
    SharedIndexInformer<RemediationSilence> i = informer;
    if (i != null) {
      i.close();
    }
  }
}
