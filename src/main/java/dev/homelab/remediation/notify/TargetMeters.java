package dev.homelab.remediation.notify;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** A target's meters: notifications by result, and how many wait to be sent. */
final class TargetMeters {
  private TargetMeters() {}

  /** Registers the gauge of {@code pending}; returns the counter of each result. */
  static Map<TargetWorker.Result, Counter> register(
      String target, AtomicInteger pending, MeterRegistry registry) {
    Map<TargetWorker.Result, Counter> counters = new EnumMap<>(TargetWorker.Result.class);
    for (TargetWorker.Result r : TargetWorker.Result.values()) {
      counters.put(
          r,
          Counter.builder("remediation.notifications")
              .description("Notifications of the human loop, by target and result")
              .tag("target", target)
              .tag("result", r.name().toLowerCase(Locale.ROOT))
              .register(registry));
    }
    Gauge.builder("remediation.notification.queue", pending, AtomicInteger::get)
        .description("Notifications waiting to be sent, by target")
        .tag("target", target)
        .register(registry);
    return counters;
  }
}
