package dev.homelab.remediation.notify;

import dev.homelab.remediation.api.v1alpha1.NotificationRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.controller.PhaseListener;
import dev.homelab.remediation.util.DaemonThreads;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The human loop's notifications (SPEC section 10): told of each phase change the reconciler wrote,
 * it hands the notification to every target's {@link TargetWorker} and returns at once; when every
 * target is done with it, it records the outcome in {@code status.notification} (its own merge
 * patch, on its own thread). The reconciler derives the {@code Notified} condition from that field
 * ({@code decision/NotifiedCondition}); the notifier never writes conditions.
 *
 * <p>With no target set it does nothing at all. Once the replica is fenced (lost its lease) it
 * sends and writes nothing more.
 */
public final class Notifier implements PhaseListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
  private static final Duration GRACE = Duration.ofSeconds(2);
  private static final int REMEMBERED = 4096;

  /**
   * How every target sends: per-request timeout, attempts, first retry delay, queue bound (also the
   * bound of the notifications kept to be tried again later), and how often those are.
   */
  public record Sending(
      Duration timeout, int attempts, Duration retryInitial, int capacity, Duration retryLater) {
    /** With notifications given up tried again every 2 minutes (NOTIFY_RETRY_LATER_SECONDS). */
    public Sending(Duration timeout, int attempts, Duration retryInitial, int capacity) {
      this(timeout, attempts, retryInitial, capacity, Duration.ofMinutes(2));
    }
  }

  private final List<TargetWorker> workers = new ArrayList<>();
  private final NotificationStore store;
  private final ApprovalLinks links;
  private final Duration approvalTtl;
  private final Clock clock;
  private final BooleanSupplier fenced;
  private final ThreadPoolExecutor statusThread;
  private final AtomicLong seqs = new AtomicLong();

  /** The first wait before listing again when resuming could not list (doubling, up to 5 min). */
  Duration resumeRetry = Duration.ofSeconds(5);

  private int resumeFailures; // the status thread's

  /** The newest notification (sequence number) per proposal uid: older outcomes are not written. */
  private final Map<String, Long> newest =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
          return size() > REMEMBERED;
        }
      };

  public Notifier(
      List<NotificationTarget> targets,
      Sending sending,
      NotificationStore store,
      ApprovalLinks links,
      Duration approvalTtl,
      Clock clock,
      MeterRegistry registry,
      BooleanSupplier fenced) {
    this.store = store;
    this.links = links;
    this.approvalTtl = approvalTtl;
    this.clock = clock;
    this.fenced = fenced;
    HttpClient http =
        targets.isEmpty()
            ? null
            : HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(sending.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    for (NotificationTarget t : targets) {
      workers.add(
          new TargetWorker(
              t,
              http,
              sending.timeout(),
              sending.attempts(),
              sending.retryInitial(),
              sending.retryLater(),
              sending.capacity(),
              clock,
              registry,
              fenced));
    }
    this.statusThread =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(Math.max(16, sending.capacity())),
            DaemonThreads.named("notify-status"));
  }

  /** The names of the targets that are set, in the order they are notified. */
  public List<String> targets() {
    return workers.stream().map(TargetWorker::name).toList();
  }

  @Override
  public void changed(Change change) {
    if (workers.isEmpty() || fenced.getAsBoolean()) {
      return;
    }
    try {
      Notification.of(change, approvalTtl, links, clock.instant()).ifPresent(this::send);
    } catch (RuntimeException e) {
      LOG.atWarn()
          .addKeyValue("proposal", change.proposal().getMetadata().getName())
          .log("notification not sent: {}", e.toString());
    }
  }

  /**
   * This replica starts leading: the proposals that wait already (the operator restarted, or
   * another replica led) get their awaiting_approval notification if none was recorded, or again to
   * the targets that failed if it was recorded Failed; their alert is refreshed again. A decision
   * the stopped operator did not tell, or told with a failure less than {@link
   * Notification#LATE_NEWS} ago, is told now. Reads the namespace once, on the notifier's thread.
   */
  public void resume() {
    if (workers.isEmpty()) {
      return;
    }
    try {
      statusThread.execute(this::resumeNow);
    } catch (RejectedExecutionException e) {
      LOG.warn("resuming notifications skipped: the notifier is busy or stopping");
    }
  }

  private void resumeNow() {
    if (fenced.getAsBoolean()) {
      return;
    }
    List<RemediationProposal> all;
    try {
      all = store.proposals();
      resumeFailures = 0;
    } catch (RuntimeException e) {
      // The API server restarting too, likely: what waits still needs this list, so again.
      long delay = Math.min(resumeRetry.toMillis() << Math.min(resumeFailures++, 10), 300_000L);
      LOG.warn("cannot list proposals to resume notifications: {}; again in {} ms", e, delay);
      CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS).execute(this::resume);
      return;
    }
    Instant now = clock.instant();
    for (RemediationProposal p : all) {
      if (p.getSpec() == null || p.getStatus() == null || known(p.getMetadata().getUid())) {
        continue;
      }
      Phase phase = p.getStatus().getPhase();
      NotificationRecord told = p.getStatus().getNotification();
      boolean awaiting = phase == Phase.AwaitingApproval;
      boolean decided = phase != null && (phase.isFinal() || phase == Phase.Approved);
      if (!awaiting && (told == null || !decided)) {
        continue; // nothing was ever notified of it, or it is on its way again
      }
      Notification.Event due =
          awaiting
              ? Notification.Event.AWAITING_APPROVAL
              : phase == Phase.Expired ? Notification.Event.EXPIRED : Notification.Event.DECIDED;
      // A decision is told as of when it was made, so a restart does not push its horizon on.
      Notification n =
          Notification.of(due, p, approvalTtl, links, awaiting ? now : Resumed.decidedAt(p, now));
      if (told == null || !due.wire().equals(told.getEvent())) {
        if (!awaiting && !now.isBefore(n.at().plus(Notification.LATE_NEWS))) {
          continue; // a decision older than that is no news any more: not pushed to a phone now
        }
        if (awaiting || Notification.Event.AWAITING_APPROVAL.wire().equals(told.getEvent())) {
          // Never told (the operator stopped before it could be): tell it now, once.
          send(n, Set.of());
        }
      } else if (NotificationRecord.FAILED.equals(told.getResult())
          && Resumed.stillWorth(n, told, now)) {
        send(n, Resumed.sentBy(told)); // told, but not everywhere: again where it failed
      } else if (awaiting) {
        long seq = remember(n.uid());
        for (TargetWorker w : workers) {
          if (w.refreshes()) {
            w.offer(n, seq, o -> {}); // the alert again; status already says it was sent
          }
        }
      }
    }
  }

  /**
   * A proposal was deleted: if anything was notified of it, every target gives up what is still on
   * its way or kept for later, and one that still shows it takes it back (Alertmanager resolves its
   * alert). Called on the informer's thread; it only queues.
   */
  public void deleted(RemediationProposal p) {
    String uid = p.getMetadata() == null ? null : p.getMetadata().getUid();
    if (workers.isEmpty() || fenced.getAsBoolean() || uid == null || !known(uid)) {
      return;
    }
    long seq = remember(uid);
    for (TargetWorker w : workers) {
      if (w.refreshes()) {
        w.withdraw(uid, seq); // Alertmanager's alert: taken back
      } else {
        // Nothing shown to take back: what is on its way or kept for later is given up, and
        // nothing takes a place in the queue.
        w.forget(uid, seq);
      }
    }
  }

  void send(Notification n) {
    send(n, Set.of());
  }

  /**
   * Sends {@code n} to every target but those in {@code sent}, which are recorded as sent (a
   * refreshing one among them is only handed an awaiting notification again, for its refresh).
   */
  private void send(Notification n, Set<String> sent) {
    long seq = remember(n.uid());
    Delivery d = new Delivery(n, seq, workers.size());
    for (int i = 0; i < workers.size(); i++) {
      int slot = i;
      TargetWorker w = workers.get(i);
      if (!sent.contains(w.name())) {
        w.offer(n, seq, o -> d.done(slot, o));
        continue;
      }
      if (w.refreshes() && n.event() == Notification.Event.AWAITING_APPROVAL) {
        w.offer(n, seq, o -> {});
      }
      d.done(slot, new TargetWorker.Outcome(w.name(), TargetWorker.Result.SENT, 0, "before"));
    }
  }

  private long remember(String uid) {
    long seq = seqs.incrementAndGet();
    synchronized (newest) {
      newest.put(uid, seq);
    }
    return seq;
  }

  private boolean known(String uid) {
    synchronized (newest) {
      return newest.containsKey(uid);
    }
  }

  private boolean superseded(String uid, long seq) {
    synchronized (newest) {
      Long s = newest.get(uid);
      return s != null && s > seq;
    }
  }

  /**
   * Collects the targets' outcomes of one notification, in the targets' order; the last one to
   * arrive has it recorded, and so does a target's later success (a try after giving up).
   */
  private final class Delivery {
    private final Notification n;
    private final long seq;
    private final TargetWorker.Outcome[] outcomes;
    private int arrived;

    Delivery(Notification n, long seq, int targets) {
      this.n = n;
      this.seq = seq;
      this.outcomes = new TargetWorker.Outcome[targets];
    }

    void done(int slot, TargetWorker.Outcome o) {
      List<TargetWorker.Outcome> all;
      synchronized (this) {
        boolean again = outcomes[slot] != null;
        outcomes[slot] = o;
        if (!again) {
          arrived++;
        }
        if (arrived < outcomes.length || (again && o.result() != TargetWorker.Result.SENT)) {
          return;
        }
        all = List.of(outcomes);
      }
      if (fenced.getAsBoolean() || superseded(n.uid(), seq)) {
        return;
      }
      NotificationRecord r = record(n, all, clock.instant());
      try {
        statusThread.execute(() -> write(n, seq, r));
      } catch (RejectedExecutionException e) {
        LOG.atWarn()
            .addKeyValue("proposal", n.name())
            .log("notification outcome not recorded: the status writer is busy or stopping");
      }
    }
  }

  private void write(Notification n, long seq, NotificationRecord r) {
    if (fenced.getAsBoolean() || superseded(n.uid(), seq)) {
      return;
    }
    try {
      if (!store.record(n.namespace(), n.name(), r)) {
        LOG.atInfo().addKeyValue("proposal", n.name()).log("proposal deleted meanwhile");
      }
    } catch (RuntimeException e) {
      LOG.atWarn()
          .addKeyValue("proposal", n.name())
          .log("cannot record the notification in status: {}", e.toString());
    }
  }

  /**
   * What {@code status.notification} says of one notification: Sent when every target took it,
   * Failed otherwise, with each target's outcome.
   */
  static NotificationRecord record(
      Notification n, List<TargetWorker.Outcome> outcomes, Instant at) {
    NotificationRecord r = new NotificationRecord();
    r.setEvent(n.event().wire());
    r.setTargets(outcomes.stream().map(TargetWorker.Outcome::target).toList());
    boolean sent = outcomes.stream().allMatch(o -> o.result() == TargetWorker.Result.SENT);
    r.setResult(sent ? NotificationRecord.SENT : NotificationRecord.FAILED);
    r.setAt(at.toString());
    r.setMessage(outcomes.stream().map(Notifier::describe).collect(Collectors.joining("; ")));
    return r;
  }

  private static String describe(TargetWorker.Outcome o) {
    return switch (o.result()) {
      case SENT -> o.target() + ": sent";
      case FAILED ->
          o.target()
              + ": failed after "
              + o.attempts()
              + (o.attempts() == 1 ? " attempt (" : " attempts (")
              + o.detail()
              + ")";
      default ->
          o.target()
              + ": "
              + o.result().name().toLowerCase(java.util.Locale.ROOT)
              + " ("
              + o.detail()
              + ")";
    };
  }

  /** Stops every target (the request in flight gets a short grace), then the status writer. */
  @Override
  public void close() {
    workers.forEach(TargetWorker::stop);
    long deadline = System.nanoTime() + GRACE.toNanos();
    for (TargetWorker w : workers) {
      w.awaitStop(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }
    statusThread.shutdown();
    try {
      if (!statusThread.awaitTermination(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        statusThread.shutdownNow();
      }
    } catch (InterruptedException e) {
      statusThread.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
