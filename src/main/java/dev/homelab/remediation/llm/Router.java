package dev.homelab.remediation.llm;

import dev.homelab.remediation.decision.RouterView;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Where the reconciler hands consultations of the model chain: it queues them off the reconciler's
 * threads, reports each key's state, and says when a result is ready. {@link ModelRouter} is the
 * real one.
 */
public interface Router extends AutoCloseable {

  /**
   * Queues a consultation unless one for the same key is queued, running or has an unclaimed
   * result. Returns true when it was queued now.
   */
  boolean submit(String key, ProposalRequest request, String severity, Instant age);

  /** What the router knows of this key: idle, busy, just claimed, or done with a result. */
  RouterView view(String key);

  /** Forgets a result once it is stored in the proposal's status. */
  void claimed(String key);

  /** Called with the key whenever a result is ready (used to start a reconcile). */
  void onResult(Consumer<String> listener);

  /** True while a consultation for this key is queued or running. */
  default boolean busy(String key) {
    return view(key) instanceof RouterView.Busy;
  }

  /** Stops the router's threads; nothing more is asked. */
  @Override
  void close();
}
