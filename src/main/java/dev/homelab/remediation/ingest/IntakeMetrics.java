package dev.homelab.remediation.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The intake's counters, registered once. */
public final class IntakeMetrics {
  private final MeterRegistry registry;
  private final Counter received;
  private final Counter folded;
  private final Counter created;
  private final Counter statusWrites;
  private final Counter statusConflicts;
  private final Counter writeFailures;
  private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);
  private final Map<String, Counter> skipped = new ConcurrentHashMap<>();

  public IntakeMetrics(MeterRegistry registry) {
    this.registry = registry;
    received =
        Counter.builder("remediation.events.received")
            .description("Messages received from Redis")
            .register(registry);
    folded =
        Counter.builder("remediation.events.folded")
            .description("Actionable events folded into an existing proposal")
            .register(registry);
    created =
        Counter.builder("remediation.intake.proposals.opened")
            .description("RemediationProposal resources created by the intake")
            .register(registry);
    statusWrites =
        Counter.builder("remediation.intake.status.writes")
            .description("Status patches written by the intake (occurrences, firstSeen, lastSeen)")
            .register(registry);
    statusConflicts =
        Counter.builder("remediation.intake.status.conflicts")
            .description(
                "Status patches of the intake refused because the proposal had changed; re-read"
                    + " and written again")
            .register(registry);
    writeFailures =
        Counter.builder("remediation.intake.write.failures")
            .description("Kubernetes API writes of the intake that failed and will be retried")
            .register(registry);
    for (RejectReason r : RejectReason.values()) {
      rejected.put(
          r,
          Counter.builder("remediation.events.rejected")
              .description("Messages rejected as bad input")
              .tag("reason", r.tag())
              .register(registry));
    }
  }

  public void received() {
    received.increment();
  }

  public void rejected(RejectReason reason) {
    rejected.get(reason).increment();
  }

  public void skipped(String benignType) {
    skipped
        .computeIfAbsent(
            benignType,
            t ->
                Counter.builder("remediation.events.skipped")
                    .description("Benign events skipped")
                    .tag("type", t)
                    .register(registry))
        .increment();
  }

  public void folded() {
    folded.increment();
  }

  public void created() {
    created.increment();
  }

  public void statusWritten() {
    statusWrites.increment();
  }

  public void statusConflict() {
    statusConflicts.increment();
  }

  public void writeFailed() {
    writeFailures.increment();
  }

  public double receivedCount() {
    return received.count();
  }

  public double rejectedCount(RejectReason reason) {
    return rejected.get(reason).count();
  }

  public double skippedCount() {
    return skipped.values().stream().mapToDouble(Counter::count).sum();
  }

  public double foldedCount() {
    return folded.count();
  }

  public double createdCount() {
    return created.count();
  }

  public double statusWriteCount() {
    return statusWrites.count();
  }

  public double statusConflictCount() {
    return statusConflicts.count();
  }
}
