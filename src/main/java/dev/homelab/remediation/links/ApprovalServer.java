package dev.homelab.remediation.links;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.util.DaemonThreads;
import dev.homelab.remediation.util.HttpServers;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The approval links' port: {@code POST /approve/<token>} and {@code POST /reject/<token>} decide a
 * proposal; a {@code GET} (or {@code HEAD}) of the same address shows a confirmation page whose
 * button POSTs, so link previews and prefetchers never decide anything. Any other path is 404. A
 * request whose target, headers or body passes {@link #MAX_REQUEST_BYTES} is 413.
 *
 * <p>A token this operator did not sign, or for the other verdict, or another namespace: 403. An
 * expired one, or one whose proposal is gone or was re-created (another uid): 410. A proposal that
 * no longer awaits approval, or already carries a decision: 409. Each refusal changes nothing and
 * is logged; the token itself is never logged.
 */
public final class ApprovalServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApprovalServer.class);

  /** Largest request target, headers (together) or body accepted. */
  public static final int MAX_REQUEST_BYTES = 8 * 1024;

  private static final Pattern PATH =
      Pattern.compile(
          // Any one segment: what is not a token this operator signed (padded with '=', too long,
          // percent-encoded) is told apart by ApprovalTokens.verify, and answered 403 like a
          // forgery.
          "/(approve|reject)/([^/]+)");
  private static final String HTML = "text/html; charset=utf-8";
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final Map<String, String> SECURITY_HEADERS =
      Map.of(
          "Cache-Control", "no-store",
          "X-Content-Type-Options", "nosniff",
          "Referrer-Policy", "no-referrer",
          "X-Frame-Options", "DENY",
          "Content-Security-Policy",
              "default-src 'none'; style-src 'unsafe-inline'; form-action 'self';"
                  + " frame-ancestors 'none'");

  /** Threads that read requests and answer them. */
  static final int THREADS = 4;

  private final HttpServer server;
  private final ExecutorService executor;
  private final ApprovalTokens tokens;
  private final ApprovalAnnotations annotations;
  private final String namespace;
  private final Clock clock;

  public ApprovalServer(
      String bindAddress,
      int port,
      ApprovalTokens tokens,
      ApprovalAnnotations annotations,
      String namespace,
      Clock clock)
      throws IOException {
    this.tokens = tokens;
    this.annotations = annotations;
    this.namespace = namespace;
    this.clock = clock;
    server = HttpServers.create(new InetSocketAddress(bindAddress, port), 16);
    // More than a person needs: a client that stops halfway holds one for REQUEST_SECONDS.
    executor = Executors.newFixedThreadPool(THREADS, DaemonThreads.named("approval-http"));
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /**
   * The links server of {@code cfg} (which must have links on), listening on APPROVAL_PORT of
   * {@code bindAddress}.
   */
  public static ApprovalServer start(
      OperatorConfig cfg, String bindAddress, KubernetesClient client, Clock clock)
      throws IOException {
    ApprovalServer s =
        new ApprovalServer(
            bindAddress,
            cfg.approvalPort,
            new ApprovalTokens(cfg.approvalLinkSecret.orElseThrow()),
            new ApprovalAnnotations(client, clock),
            cfg.watchNamespace,
            clock);
    s.server.start();
    LOG.atInfo()
        .addKeyValue("port", s.port())
        .addKeyValue("baseUrl", cfg.approvalLinkBaseUrl.orElseThrow())
        .log("serving approval links: POST /approve/<token>, POST /reject/<token>");
    return s;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String target = ex.getRequestURI().toString();
      if (target.length() > MAX_REQUEST_BYTES || headerBytes(ex) > MAX_REQUEST_BYTES) {
        send(ex, 413, TEXT, "request too large\n");
        return;
      }
      Matcher m = PATH.matcher(ex.getRequestURI().getRawPath());
      if (!m.matches()) {
        send(ex, 404, TEXT, "not found\n");
        return;
      }
      String method = ex.getRequestMethod();
      boolean post = "POST".equals(method);
      if (!post && !"GET".equals(method) && !"HEAD".equals(method)) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD, POST");
        send(ex, 405, TEXT, "method not allowed\n");
        return;
      }
      if (post && !bodyWithinLimit(ex)) {
        send(ex, 413, TEXT, "request too large\n");
        return;
      }
      answer(ex, post, Verdict.ofPath(m.group(1)).orElseThrow(), m.group(2));
    } catch (RuntimeException e) {
      LOG.warn("approval link request failed", e);
      send(ex, 500, TEXT, "internal error; nothing was changed\n");
    } finally {
      ex.close();
    }
  }

  private void answer(HttpExchange ex, boolean post, Verdict verdict, String token)
      throws IOException {
    Optional<ApprovalTokens.Claims> verified = tokens.verify(token);
    if (verified.isEmpty()) {
      refuse(ex, 403, "forged", null, "Not a valid link", "This operator did not make this link.");
      return;
    }
    ApprovalTokens.Claims c = verified.get();
    if (c.verdict() != verdict) {
      refuse(ex, 403, "wrong_verdict", c, "Not a valid link", "This link is not for that action.");
      return;
    }
    if (!c.namespace().equals(namespace)) {
      refuse(
          ex, 403, "other_namespace", c, "Not a valid link", "This link is for another namespace.");
      return;
    }
    if (c.expiredAt(clock.instant())) {
      refuse(
          ex, 410, "expired", c, "Link expired", "The proposal expired at " + c.expiresAt() + ".");
      return;
    }
    String by = "link:" + c.target();
    ApprovalAnnotations.Result r;
    try {
      r =
          post
              ? annotations.decide(c.namespace(), c.name(), c.uid(), verdict, by)
              : annotations.check(c.namespace(), c.name(), c.uid());
    } catch (KubernetesClientException e) {
      LOG.atWarn()
          .addKeyValue("proposal", c.namespace() + "/" + c.name())
          .addKeyValue("code", e.getCode())
          .log("approval link: the Kubernetes API failed: {}", e.getMessage());
      send(ex, 503, HTML, Pages.refused("Try again later", "The Kubernetes API did not answer."));
      return;
    }
    switch (r.outcome()) {
      case DECIDED -> {
        if (post) {
          LOG.atInfo()
              .addKeyValue("proposal", c.namespace() + "/" + c.name())
              .addKeyValue("verdict", verdict.annotation())
              .addKeyValue("by", by)
              .log("approval link used: proposal annotated");
          send(ex, 200, HTML, Pages.decided(r.proposal(), verdict, by));
        } else {
          send(ex, 200, HTML, Pages.confirm(r.proposal(), verdict, c.expiresAt()));
        }
      }
      case NOT_FOUND ->
          refuse(ex, 410, "not_found", c, "Proposal gone", "The proposal no longer exists.");
      case RECREATED ->
          refuse(
              ex,
              410,
              "recreated",
              c,
              "Proposal gone",
              "The proposal this link was made for was deleted; one of the same name is another.");
      case NOT_AWAITING ->
          refuse(
              ex,
              409,
              "not_awaiting_approval",
              c,
              "No longer waiting",
              "The proposal is " + r.phase() + ", not AwaitingApproval.");
      case EXPIRED ->
          // The link's own expiry can be later than the proposal's (a status edited since, or a
          // link made before status.expiresAt was written): the proposal's decides.
          refuse(
              ex,
              410,
              "expired",
              c,
              "Link expired",
              "The proposal expired at "
                  + r.expiresAt().map(e -> e.truncatedTo(ChronoUnit.SECONDS).toString()).orElse("?")
                  + ".");
      case EXPIRING ->
          refuse(
              ex,
              410,
              "expired",
              c,
              "Too late",
              "The proposal expires at "
                  + r.expiresAt().map(e -> e.truncatedTo(ChronoUnit.SECONDS).toString()).orElse("?")
                  + ", too soon for a decision to reach the operator before it.");
      case ALREADY_DECIDED ->
          refuse(
              ex,
              409,
              "already_annotated",
              c,
              r.staleApproval()
                  ? "Not decided: an early annotation is in the way"
                  : "Already decided",
              r.staleApproval()
                  ? "The proposal carries approval="
                      + r.existingApproval()
                      + ", set before it could be decided, which decides nothing. Remove it"
                      + " (kubectl annotate rp -n "
                      + r.proposal().getMetadata().getNamespace()
                      + " "
                      + r.proposal().getMetadata().getName()
                      + " remediation.homelab.dev/approval-) and use this link again; nothing"
                      + " changed."
                  : "The proposal already carries approval=" + r.existingApproval() + ".");
      case STALE_NOT_CLEARED ->
          refuse(
              ex,
              409,
              "stale_not_cleared",
              c,
              "Try again in a moment",
              "The early approval="
                  + r.recordedStaleApproval()
                  + " annotation was removed, but the operator has not seen it gone yet; a"
                  + " decision now would be read as that one. Nothing changed; use this link"
                  + " again in a few seconds.");
      case CHANGED_MEANWHILE ->
          refuse(
              ex,
              409,
              "changed_meanwhile",
              c,
              "Try again",
              "The proposal kept changing while the decision was written.");
    }
  }

  private void refuse(
      HttpExchange ex,
      int status,
      String reason,
      ApprovalTokens.Claims c,
      String title,
      String detail)
      throws IOException {
    var log =
        (status == 403 ? LOG.atWarn() : LOG.atInfo())
            .addKeyValue("reason", reason)
            .addKeyValue("status", status)
            .addKeyValue("method", ex.getRequestMethod());
    if (c != null) {
      log = log.addKeyValue("proposal", c.namespace() + "/" + c.name());
    }
    log.addKeyValue("remote", ex.getRemoteAddress().getAddress().getHostAddress())
        .log("approval link refused; nothing changed");
    send(ex, status, HTML, Pages.refused(title, detail));
  }

  private static long headerBytes(HttpExchange ex) {
    long n = 0;
    for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
      for (String v : h.getValue()) {
        n += h.getKey().length() + v.length() + 4;
      }
    }
    return n;
  }

  /** Reads and drops the body (nothing in it is used); false when it passes the limit. */
  private static boolean bodyWithinLimit(HttpExchange ex) throws IOException {
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > MAX_REQUEST_BYTES) {
          return false;
        }
      } catch (NumberFormatException e) {
        return false;
      }
    }
    byte[] buf = new byte[1024];
    long read = 0;
    try (InputStream in = ex.getRequestBody()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        read += n;
        if (read > MAX_REQUEST_BYTES) {
          return false;
        }
      }
    }
    return true;
  }

  private static void send(HttpExchange ex, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    SECURITY_HEADERS.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    ex.getResponseHeaders().set("Content-Type", type);
    if ("HEAD".equals(ex.getRequestMethod())) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
