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
}
