package dev.homelab.remediation.ingest;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one cache of the watched namespace's proposals: the item store of the reconciler's informer
 * (JOSDK's, through {@code withItemStore}), told to the intake as the informer fills it. One watch
 * and one copy of every proposal instead of two informers: each write to a proposal reaches the
 * operator once.
 *
 * <p>The informer calls {@link #put} and {@link #remove} on its own thread, for the initial list,
 * every change it is told and every relist; the listener runs there, so it must not block. One
 * informer only (one namespace), as an item store is not shared between informers.
 */
public final class WatchedProposals implements ItemStore<RemediationProposal> {
  private static final Logger LOG = LoggerFactory.getLogger(WatchedProposals.class);

  /** Told of every proposal the cache takes in, and of every one it drops. */
  public interface Listener {
    void stored(RemediationProposal p);

    void removed(RemediationProposal p);
  }

  private final BasicItemStore<RemediationProposal> items =
      new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
  private final AtomicReference<Listener> listener = new AtomicReference<>();
  private volatile BooleanSupplier listed = () -> false;

  /** {@code check}: whether the informer filling this cache has listed the namespace. */
  public void listedWhen(BooleanSupplier check) {
    listed = check;
  }

  /** Whether the informer filling this cache has listed the namespace (false before it runs). */
  public boolean listed() {
    return listed.getAsBoolean();
  }

  /** From now on {@code l} is told of every change (one listener at a time: the intake). */
  public void listen(Listener l) {
    listener.set(l);
  }

  /** Stops telling {@code l}, if it is still the listener. */
  public void stopListening(Listener l) {
    listener.compareAndSet(l, null);
  }

  @Override
  public String getKey(RemediationProposal p) {
    return items.getKey(p);
  }

  @Override
  public RemediationProposal put(String key, RemediationProposal p) {
    RemediationProposal old = items.put(key, p);
    tell(key, l -> l.stored(p));
    return old;
  }

  @Override
  public RemediationProposal remove(String key) {
    RemediationProposal old = items.remove(key);
    if (old != null) {
      tell(key, l -> l.removed(old));
    }
    return old;
  }

  /** Tells the listener, if any; whatever it throws, the informer's thread goes on. */
  private void tell(String key, Consumer<Listener> what) {
    Listener l = listener.get();
    if (l == null) {
      return;
    }
    try {
      what.accept(l);
    } catch (RuntimeException e) {
      LOG.atWarn().addKeyValue("key", key).setCause(e).log("the intake could not take a proposal");
    }
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet();
  }

  @Override
  public Stream<RemediationProposal> values() {
    return items.values();
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public RemediationProposal get(String key) {
    return items.get(key);
  }
}
