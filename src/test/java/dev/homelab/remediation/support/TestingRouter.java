package dev.homelab.remediation.support;

import dev.homelab.remediation.decision.ModelOutcome;
import dev.homelab.remediation.decision.RouterView;
import dev.homelab.remediation.llm.ProposalRequest;
import dev.homelab.remediation.llm.Router;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A {@link Router} for unit tests of the reconciler: nothing runs on its own. A submitted key is
 * busy until the test {@link #answer}s or {@link #fail}s it, which reports the result as the real
 * router does.
 */
public final class TestingRouter implements Router {
  private final Map<String, RouterView> views = new ConcurrentHashMap<>();
  private final List<String> submitted = new CopyOnWriteArrayList<>();
  private volatile Consumer<String> onResult = key -> {};
  private volatile boolean closed;

  @Override
  public boolean submit(String key, ProposalRequest request, String severity, Instant age) {
    RouterView v = views.get(key);
    if (closed || v instanceof RouterView.Busy || v instanceof RouterView.Done) {
      return false;
    }
    views.put(key, RouterView.BUSY);
    submitted.add(key);
    return true;
  }

  @Override
  public RouterView view(String key) {
    return views.getOrDefault(key, RouterView.IDLE);
  }

  @Override
  public void claimed(String key) {
    views.put(key, RouterView.CLAIMED);
  }

  @Override
  public void onResult(Consumer<String> listener) {
    this.onResult = listener;
  }

  @Override
  public void close() {
    closed = true;
  }

  /** Sets what the router reports for a key (another proposal's consultation, say). */
  public void view(String key, RouterView view) {
    views.put(key, view);
  }

  /** Finishes a busy key with this outcome. */
  public void finish(String key, ModelOutcome outcome) {
    views.put(key, new RouterView.Done(outcome));
    onResult.accept(key);
  }

  /** A busy key queued {@code elapsed} ago (the real router measures it). */
  public void busyFor(String key, java.time.Duration elapsed) {
    views.put(key, new RouterView.Busy(elapsed));
  }

  /** Keys submitted so far, in order (one entry per consultation asked). */
  public List<String> submitted() {
    return List.copyOf(submitted);
  }

  public boolean closed() {
    return closed;
  }
}
