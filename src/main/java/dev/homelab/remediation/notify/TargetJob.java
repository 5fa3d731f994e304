package dev.homelab.remediation.notify;

import java.net.http.HttpRequest;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One notification (or withdrawal) on its way; its request is built at the first attempt and reused
 * by the fast retries, built again after a Retry-After hold and for each later try (Alertmanager's
 * endsAt moves on).
 */
final class TargetJob {
  final String uid;
  final String name;
  final String event;
  final long seq;
  final Function<Instant, Optional<HttpRequest>> build;
  final Instant retryUntil;
  final Consumer<TargetWorker.Outcome> done;
  HttpRequest request;
  boolean rebuild;
  int tries;

  TargetJob(
      String uid,
      String name,
      String event,
      long seq,
      Function<Instant, Optional<HttpRequest>> build,
      Instant retryUntil,
      Consumer<TargetWorker.Outcome> done) {
    this.uid = uid;
    this.name = name;
    this.event = event;
    this.seq = seq;
    this.build = build;
    this.retryUntil = retryUntil;
    this.done = done;
  }

  /**
   * The request to send now: built at the first attempt, and again after a hold ({@link #rebuild}),
   * when the one built before stands if there is nothing new to build (a withdrawal the target
   * already took); null when there is nothing to send at all.
   */
  HttpRequest requestAt(Instant now) {
    if (request == null || rebuild) {
      rebuild = false;
      build.apply(now).ifPresent(r -> request = r);
    }
    return request;
  }
}
