package dev.homelab.remediation.ingest;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile BooleanSupplier listed = () -> false;

  /** {@code check}: whether the informer filling this cache has listed the namespace. */
  public void listedWhen(BooleanSupplier check) {
    listed = check;
  }

  /** Whether the informer filling this cache has listed the namespace (false before it runs). */
  public boolean listed() {
    return listed.getAsBoolean();
  }

  /**
   * From now on {@code l} is told of every change, after the listeners before it (the intake; the
   * notifier, of the proposals deleted). Listening twice is listening once.
   */
  public void listen(Listener l) {
    if (!listeners.contains(l)) {
      listeners.add(l);
    }
  }

  /** Stops telling {@code l}, if it is a listener. */
  public void stopListening(Listener l) {
    listeners.remove(l);
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

  /** Tells each listener; whatever one throws, the others are told and the informer goes on. */
  private void tell(String key, Consumer<Listener> what) {
    for (Listener l : listeners) {
      try {
        what.accept(l);
      } catch (RuntimeException e) {
        LOG.atWarn()
            .addKeyValue("key", key)
            .setCause(e)
            .log("a listener could not take a proposal");
      }
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
