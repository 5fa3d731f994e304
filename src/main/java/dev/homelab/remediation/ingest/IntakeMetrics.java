package dev.homelab.remediation.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

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
  private final Map<ShedReason, Counter> shed = new EnumMap<>(ShedReason.class);

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
    for (ShedReason r : ShedReason.values()) {
      shed.put(
          r,
          Counter.builder("remediation.events.shed")
              .description(
                  "Messages the intake dropped while behind, by reason: unparsed, cheapest first;"
                      + " openings: new incidents past those waiting for their create")
              .tag("reason", r.tag())
              .register(registry));
    }
    for (RejectReason r : RejectReason.values()) {
      rejected.put(
          r,
          Counter.builder("remediation.events.rejected")
              .description("Messages rejected as bad input")
              .tag("reason", r.tag())
              .register(registry));
    }
  }

  /**
   * The intake buffer's gauges: bytes and messages held, its limit, and the pressure (bytes over
   * limit; shedding starts at 0.5, see {@link IntakePipeline}).
   */
  public void buffer(Supplier<Number> bytes, Supplier<Number> messages, long limit) {
    Gauge.builder("remediation.intake.buffer.bytes", () -> bytes.get().doubleValue())
        .description("Bytes of received messages waiting to be parsed")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("remediation.intake.buffer.messages", () -> messages.get().doubleValue())
        .description("Received messages waiting to be parsed")
        .register(registry);
    Gauge.builder("remediation.intake.buffer.limit", () -> limit)
        .description("INTAKE_BUFFER_BYTES: the most the intake buffer holds")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("remediation.intake.pressure", () -> bytes.get().doubleValue() / limit)
        .description(
            "Intake buffer fill, 0 to 1: repeats are shed above 0.5, benign and info events above"
                + " 0.75, warnings above 0.9, anything when full")
        .register(registry);
  }

  /** How far the Redis reader is behind: bytes received and not read yet. */
  public void readerBacklog(Supplier<Number> bytes) {
    Gauge.builder("remediation.redis.backlog", () -> bytes.get().doubleValue())
        .description(
            "Bytes Redis sent that the subscriber has not read yet (past an eighth of the socket"
                + " buffer the parse workers pause; past a quarter the reader drops unread, when"
                + " Redis's output buffer for it is not known)")
        .baseUnit("bytes")
        .register(registry);
  }

  /** Redis's output buffer for the subscriber, as last probed; -1 (reported NaN) if unknown. */
  public void redisOutputBuffer(Supplier<Number> bytes) {
    Gauge.builder(
            "remediation.redis.output.buffer",
            () -> {
              double b = bytes.get().doubleValue();
              return b < 0 ? Double.NaN : b;
            })
        .description(
            "Bytes Redis holds for the subscriber in its output buffer (CLIENT LIST omem, every"
                + " 10 ms; past 4 MiB, or less for a lower limit, the reader drops unread; NaN when Redis"
                + " does not tell)")
        .baseUnit("bytes")
        .register(registry);
  }

  public void shed(ShedReason reason) {
    shed.get(reason).increment();
  }

  public double shedCount(ShedReason reason) {
    return shed.get(reason).count();
  }

  public double shedCount() {
    return shed.values().stream().mapToDouble(Counter::count).sum();
  }

  /** For a log line: the count shed by reason so far, e.g. {@code repeat=120 info=3}. */
  public String shedSummary() {
    StringBuilder sb = new StringBuilder();
    shed.forEach(
        (r, c) -> {
          if (c.count() > 0) {
            sb.append(sb.length() == 0 ? "" : " ")
                .append(r.tag())
                .append('=')
                .append((long) c.count());
          }
        });
    return sb.toString();
  }

  public void received() {
    received.increment();
  }

  public void received(int messages) {
    received.increment(messages);
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

  public void folded(long events) {
    folded.increment(events);
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
