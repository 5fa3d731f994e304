package dev.homelab.remediation.util;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The one thread factory of the operator: named, numbered daemon threads. */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Threads named {@code <prefix>-1}, {@code <prefix>-2}, ...; daemons, so none blocks exit. */
  public static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Waits for {@code executor} to terminate until {@code deadlineNanos} (System.nanoTime). */
  public static void awaitUntil(java.util.concurrent.ExecutorService executor, long deadlineNanos) {
    try {
      executor.awaitTermination(
          Math.max(0, deadlineNanos - System.nanoTime()),
          java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
