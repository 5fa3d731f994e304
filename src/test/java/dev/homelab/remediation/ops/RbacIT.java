package dev.homelab.remediation.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import dev.homelab.remediation.api.v1alpha1.RemediationSilenceSpec;
import dev.homelab.remediation.api.v1alpha1.SilenceMatchers;
import dev.homelab.remediation.config.OperatorConfig;
import dev.homelab.remediation.controller.KubernetesEventRecorder;
import dev.homelab.remediation.decision.EventReason;
import dev.homelab.remediation.links.ApprovalLinks;
import dev.homelab.remediation.runtime.Running;
import dev.homelab.remediation.runtime.Wiring;
import dev.homelab.remediation.support.FakeOllama;
import dev.homelab.remediation.support.FakeReply;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the operator through every kind of work it does (intake, a conflicting create, proposals,
 * dispatch, Events and their repeats, an approval link, retention, a silence that expires and is
 * deleted, leader election) with its own client, records every request that client made to the API
 * server, and compares them with the chart's Role: nothing missing, nothing extra.
 */
@MockKube
class RbacIT {
  static KubernetesClient client;
  static KubernetesMockServer server;
  static final String AGENT = "remediation-operator-under-test";
  static final Pattern PATH =
      Pattern.compile(
          "^/(?:api/v1|apis/([^/]+)/[^/]+)/namespaces/[^/]+/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?(?:\\?(.*))?$");

  @TempDir Path tmp;

  @Test
  void theChartsRoleIsExactlyWhatTheCodeCalls() throws Exception {
    TestKube.installCrd(client);
    TestKube.allowLeaseAccess(server);
    KubernetesClient operatorClient =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(AGENT).build())
            .build();
    String ns = "rbac";
    int linksPort = TestRedis.freePort();
    try (TestRedis redis = new TestRedis();
        FakeOllama ollama = new FakeOllama()) {
      ollama.enqueue(FakeReply.proposal("restart", 0.9, false, null));
      ollama.setDefault(FakeReply.proposal("ignore", 0.9, false, null));
      OperatorConfig cfg =
          OperatorConfig.withDefaults(
              Map.ofEntries(
                  Map.entry("REDIS_URL", redis.url()),
                  Map.entry("WATCH_NAMESPACE", ns),
                  Map.entry("NODE_NAME", "solaria"),
                  Map.entry("LLM_CHAIN", "ollama:llama3.1:8b@" + ollama.baseUrl()),
                  Map.entry(
                      "PENDING_ACTIONS_DIR", Files.createDirectories(tmp.resolve("p")).toString()),
                  Map.entry("EVENTS_DIR", Files.createDirectories(tmp.resolve("e")).toString()),
                  Map.entry("HTTP_PORT", "0"),
                  Map.entry("COOLDOWN_SECONDS", "0"),
                  Map.entry("RETRY_BASE_SECONDS", "3"),
                  Map.entry("RETENTION", "8s"),
                  // Outcomes and the budget keep a dispatched proposal no longer than that.
                  Map.entry("OUTCOME_WINDOW", "1s"),
                  Map.entry("REMEDIATION_BUDGET", "3/1s"),
                  Map.entry("FOLD_FLUSH_MILLIS", "100"),
                  Map.entry("LEASE_DURATION_SECONDS", "2"),
                  Map.entry("APPROVAL_LINK_BASE_URL", "http://127.0.0.1:" + linksPort),
                  Map.entry("APPROVAL_LINK_SECRET", "rbac-it-secret-0123456789abcdefghijkl"),
                  Map.entry("APPROVAL_PORT", Integer.toString(linksPort))));
      Running running =
          Running.start(
              new Wiring(cfg, operatorClient, new SimpleMeterRegistry(), Clock.systemUTC(), false),
              "127.0.0.1",
              "127.0.0.1");
      try {
        await().atMost(Duration.ofSeconds(20)).until(running::ready);
        // A silence that expires: its state written (Active, then Expired), then deleted by
        // retention.
        client
            .resource(silence(ns, "sil-maintenance", Instant.now().plusSeconds(2).toString()))
            .create();
        // Dispatched, then deleted by retention.
        redis.publish("health_events", event("ollama", 1779902000));
        // Ignored; the same event again while it still exists: a create that conflicts, and a get.
        String ignored = event("redis", 1779902100);
        redis.publish("health_events", ignored);
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    TestKube.proposals(client, ns).stream()
                        .anyMatch(
                            p ->
                                p.getStatus() != null
                                    && p.getStatus().getPhase() == Phase.Ignored));
        // Once the intake has seen it close (cooldown 0), the same event opens an incident of the
        // same name: the create conflicts and the existing proposal is read.
        await().atMost(Duration.ofSeconds(10)).until(() -> running.intake().book.size() == 0);
        redis.publish("health_events", ignored);
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> running.intake().metrics.receivedCount() == 3 && running.intake().settled());
        // A repeated Event reason: the model fails once, and before the retry an Event for it
        // already exists, as an operator instance before a restart would have left it. The retry's
        // create conflicts; the Event is read once and its count patched.
        ollama.enqueue(FakeReply.status(500));
        redis.publish("health_events", event("mosquitto", 1779902200));
        RemediationProposal failed =
            await()
                .atMost(Duration.ofSeconds(20))
                .until(() -> proposal(ns, "mosquitto", Phase.Failed), Objects::nonNull);
        client
            .v1()
            .events()
            .inNamespace(ns)
            .resource(
                new EventBuilder()
                    .withNewMetadata()
                    .withName(KubernetesEventRecorder.eventName(failed, EventReason.Retrying))
                    .withNamespace(ns)
                    .endMetadata()
                    .withReason(EventReason.Retrying.name())
                    .withMessage("left by the instance before")
                    .withCount(1)
                    .build())
            .create();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> proposal(ns, "mosquitto", Phase.Ignored), Objects::nonNull);
        // Events are sent after the status write that made them (their own thread).
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(
                            client
                                .v1()
                                .events()
                                .inNamespace(ns)
                                .withName(
                                    KubernetesEventRecorder.eventName(failed, EventReason.Retrying))
                                .get()
                                .getCount())
                        .isEqualTo(2));
        // A person follows an approval link: the page reads the proposal, the button annotates it.
        ollama.enqueue(FakeReply.proposal("restart", 0.9, false, null));
        redis.publish(
            "health_events",
            "{\"event_type\":\"service_unhealthy\",\"node\":\"chelsty\","
                + "\"service\":\"zigbee2mqtt\",\"timestamp\":1779902300}");
        RemediationProposal waiting =
            await()
                .atMost(Duration.ofSeconds(20))
                .until(() -> proposal(ns, "zigbee2mqtt", Phase.AwaitingApproval), Objects::nonNull);
        String link = ApprovalLinks.from(cfg).approveUrl(waiting, "ntfy").orElseThrow();
        HttpClient http = HttpClient.newHttpClient();
        assertThat(
                http.send(
                        HttpRequest.newBuilder(URI.create(link)).GET().build(),
                        BodyHandlers.ofString())
                    .statusCode())
            .isEqualTo(200);
        assertThat(
                http.send(
                        HttpRequest.newBuilder(URI.create(link))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                        BodyHandlers.ofString())
                    .statusCode())
            .isEqualTo(200);
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> proposal(ns, "zigbee2mqtt", Phase.Dispatched), Objects::nonNull);
        // Retention deletes them all, and the silence.
        await()
            .atMost(Duration.ofSeconds(40))
            .until(
                () ->
                    TestKube.proposals(client, ns).isEmpty()
                        && TestKube.silences(client, ns).isEmpty());
      } finally {
        running.close();
        operatorClient.close();
      }
    }

    Set<Perm> used = new TreeSet<>();
    RecordedRequest r;
    while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
      String ua = r.getHeader("User-Agent");
      if (ua == null || !ua.contains(AGENT) || r.getPath().contains("selfsubjectrulesreviews")) {
        continue; // the test's own client, or the review every authenticated user may create
      }
      used.add(permission(r.getMethod(), r.getPath()));
    }
    // JOSDK checks at start-up (SelfSubjectRulesReview) that it may update the Lease; the operator
    // updates it itself only when it releases it on close (recorded above, as close ran).
    used.add(new Perm("coordination.k8s.io leases update", "remediation-operator")); // LEASE_NAME

    List<PolicyRule> rules = new ArrayList<>();
    List<?> objects;
    try (var in = Files.newInputStream(Path.of("k8s/02-remediation-operator.yaml"))) {
      objects = client.load(in).items();
    }
    for (Object o : objects) {
      if (o instanceof Role role) {
        rules.addAll(role.getRules());
      }
    }
    // Nothing missing: each call is granted, by name where the rule names its objects.
    assertThat(used)
        .as("API calls the operator made")
        .allSatisfy(u -> assertThat(rules).as(u.toString()).anyMatch(rule -> u.grantedBy(rule)));
    // Nothing extra: each verb of each rule was called.
    for (PolicyRule rule : rules) {
      for (String g : rule.getApiGroups()) {
        for (String res : rule.getResources()) {
          for (String verb : rule.getVerbs()) {
            String what = g + " " + res + " " + verb;
            assertThat(used)
                .as("granted but never called: %s", what)
                .anyMatch(u -> u.what().equals(what) && u.grantedBy(rule));
          }
        }
      }
    }
  }

  /** One call: "group resource[/subresource] verb", and the object's name when it names one. */
  record Perm(String what, String name) implements Comparable<Perm> {
    boolean grantedBy(PolicyRule rule) {
      String[] p = what.split(" ", -1);
      boolean named = rule.getResourceNames() != null && !rule.getResourceNames().isEmpty();
      return rule.getApiGroups().contains(p[0])
          && rule.getResources().contains(p[1])
          && rule.getVerbs().contains(p[2])
          && (!named || rule.getResourceNames().contains(name));
    }

    @Override
    public int compareTo(Perm o) {
      return (what + " " + name).compareTo(o.what + " " + o.name);
    }
  }

  /** The proposal of this service in this phase, or null. */
  static RemediationProposal proposal(String ns, String service, Phase phase) {
    return TestKube.proposals(client, ns).stream()
        .filter(p -> service.equals(p.getSpec().getService()))
        .filter(p -> p.getStatus() != null && p.getStatus().getPhase() == phase)
        .findFirst()
        .orElse(null);
  }

  static RemediationSilence silence(String ns, String name, String endsAt) {
    RemediationSilence s = new RemediationSilence();
    s.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    RemediationSilenceSpec spec = new RemediationSilenceSpec();
    spec.setMatchers(new SilenceMatchers("chelsty", null, null));
    spec.setEndsAt(endsAt);
    spec.setCreatedBy("rbac-test");
    s.setSpec(spec);
    return s;
  }

  static String event(String service, long ts) {
    return "{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\""
        + service
        + "\",\"timestamp\":"
        + ts
        + "}";
  }

  /** "group resource[/subresource] verb" and the name, for one request. */
  static Perm permission(String method, String path) {
    Matcher m = PATH.matcher(path);
    if (!m.matches()) {
      return new Perm("unexpected " + method + " " + path, null);
    }
    String group = m.group(1) == null ? "" : m.group(1);
    String resource = m.group(2) + (m.group(4) == null ? "" : "/" + m.group(4));
    boolean named = m.group(3) != null;
    String query = m.group(5) == null ? "" : m.group(5);
    String verb =
        switch (method) {
          case "GET" -> query.contains("watch=true") ? "watch" : named ? "get" : "list";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> named ? "delete" : "deletecollection";
          default -> method;
        };
    return new Perm(group + " " + resource + " " + verb, named ? m.group(3) : null);
  }
}
