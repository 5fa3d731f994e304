package dev.homelab.remediation.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.RemediationOperatorApp;
import dev.homelab.remediation.api.v1alpha1.ApprovalRecord;
import dev.homelab.remediation.api.v1alpha1.OutcomeRecord;
import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.controller.KubernetesEventRecorder;
import dev.homelab.remediation.decision.EventReason;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import dev.homelab.remediation.support.TestProposals;
import io.fabric8.kubernetes.api.model.NamedContextBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** approve, reject, list and explain against the Fabric8 mock API server in CRUD mode. */
@MockKube
class ProposalCommandsTest {
  static final String APPROVAL = "remediation.homelab.dev/approval";
  static final String APPROVED_BY = "remediation.homelab.dev/approved-by";
  static final AtomicInteger SEQ = new AtomicInteger();
  static KubernetesClient client;
  static KubernetesMockServer server;

  String ns;
  Instant now;

  @BeforeEach
  void setUp() {
    TestKube.installCrd(client);
    ns = "cli-" + SEQ.incrementAndGet();
    now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  /** Clients as the kubeconfig would make them: its current context's user is "kube-alice". */
  Supplier<KubernetesClient> kubeconfig(String namespace) {
    Config config =
        new ConfigBuilder(client.getConfiguration())
            .withNamespace(namespace)
            .withCurrentContext(
                new NamedContextBuilder()
                    .withName("homelab")
                    .withNewContext()
                    .withCluster("homelab")
                    .withUser("kube-alice")
                    .withNamespace(namespace)
                    .endContext()
                    .build())
            .build();
    return () -> new KubernetesClientBuilder().withConfig(config).build();
  }

  record Run(int code, String out, String err) {}

  Run run(ClusterCommand command, String... args) {
    command.env = Map.of("APPROVAL_TTL", "24h");
    command.clock = Clock.fixed(now, ZoneOffset.UTC);
    command.logging = () -> {};
    CommandLine cl = new CommandLine(command);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  RemediationProposal put(RemediationProposal p, String name) {
    p.getMetadata().setNamespace(ns);
    p.getMetadata().setName(name);
    return TestKube.put(client, p);
  }

  RemediationProposal awaiting(String name, Instant answeredAt) {
    RemediationProposal p = TestProposals.awaitingApproval();
    p.getStatus().getProposal().setAnsweredAt(answeredAt.toString());
    return put(p, name);
  }

  Map<String, String> annotations(String name) {
    Map<String, String> a =
        client
            .resources(RemediationProposal.class)
            .inNamespace(ns)
            .withName(name)
            .get()
            .getMetadata()
            .getAnnotations();
    return a == null ? Map.of() : a;
  }

  void answerSelfSubjectReviewsAs(String user) {
    TestKube.answerSelfSubjectReviewAs(server, user);
  }

  /**
   * The expiry the operator wrote is the one shown, whatever APPROVAL_TTL this shell has (here the
   * default 24 h against the operator's 5 minutes).
   */
  @Test
  void listAndExplainShowTheExpiryTheOperatorWrote() {
    RemediationProposal p = TestProposals.awaitingApproval();
    p.getStatus().getProposal().setAnsweredAt(now.minusSeconds(60).toString());
    p.getStatus().setExpiresAt(now.plusSeconds(240).toString());
    put(p, "soon");
    Run list = run(new ListCommand(kubeconfig(ns)));
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(list.out()).containsPattern("soon .* in 4m");
    Run explain = run(new ExplainCommand(kubeconfig(ns)), "soon");
    assertThat(explain.out())
        .contains("Expires:        " + now.plusSeconds(240) + "\n")
        .doesNotContain("APPROVAL_TTL");
  }

  /** A client that cannot be made (an exec credential plugin failing): one line, exit 1. */
  @Test
  void aClientThatCannotBeMadeIsOneLine() {
    Run r =
        run(
            new ListCommand(
                () -> {
                  throw new io.fabric8.kubernetes.client.KubernetesClientException(
                      "exec plugin kubelogin failed");
                }));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip().lines())
        .singleElement()
        .asString()
        .startsWith("remediation-operator list: the Kubernetes API")
        .doesNotContain("\tat ");
  }

  /**
   * kubectl's --kubeconfig and --context (the plugin is handed them after its name): the file given
   * is the one read; a missing file, an unknown context or a file that is no kubeconfig is one line
   * and exit 2.
   */
  @Test
  void theKubeconfigAndContextFlagsAreKubectls(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    put(TestProposals.awaitingApproval(), "flagged");
    Path file = dev.homelab.remediation.support.OperatorProcess.kubeconfig(client, tmp, ns);
    java.util.function.Supplier<KubernetesClient> unused =
        () -> {
          throw new AssertionError("the default kubeconfig was read, not --kubeconfig");
        };
    Run list = run(new ListCommand(unused), "--kubeconfig", file.toString(), "--context", "test");
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(list.out()).contains("flagged");

    Run noContext = run(new ListCommand(unused), "--kubeconfig", file.toString(), "--context", "x");
    assertThat(noContext.code()).isEqualTo(2);
    assertThat(noContext.err().strip())
        .isEqualTo("remediation-operator list: context \"x\" is not in the kubeconfig");

    Path missing = tmp.resolve("nope");
    Run noFile = run(new ListCommand(unused), "--kubeconfig", missing.toString());
    assertThat(noFile.code()).isEqualTo(2);
    assertThat(noFile.err().strip())
        .isEqualTo("remediation-operator list: --kubeconfig " + missing + ": no such file");

    Path bad = Files.writeString(tmp.resolve("bad"), "apiVersion: v1\nclusters: [\n");
    Run broken = run(new ApproveCommand(unused), "flagged", "--kubeconfig", bad.toString());
    assertThat(broken.code()).isEqualTo(2);
    assertThat(broken.err().strip().lines())
        .singleElement()
        .asString()
        .startsWith("remediation-operator approve: cannot read the kubeconfig: ");
  }

  /**
   * A server that is not there: one line naming its URL, at once (one attempt, as kubectl), with
   * the hint at local mode's kubeconfig when local mode was started in this directory.
   */
  @Test
  void anUnreachableServerIsNamedWithWhatToTry(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    int port = dev.homelab.remediation.support.TestRedis.freePort();
    Config nowhere =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("http://127.0.0.1:" + port)
            .withNamespace("default")
            .withRequestRetryBackoffLimit(0)
            .build();
    ListCommand list =
        new ListCommand(() -> new KubernetesClientBuilder().withConfig(nowhere).build());
    list.localKubeconfig = tmp.resolve("local-data").resolve("kubeconfig");
    long start = System.nanoTime();
    Run r = run(list);
    assertThat(r.code()).isEqualTo(1);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(r.err().strip().lines())
        .singleElement()
        .asString()
        .startsWith(
            "remediation-operator list: the Kubernetes API could not be reached at http://127.0.0.1:"
                + port
                + "/: ")
        .endsWith("(is KUBECONFIG or ~/.kube/config the cluster's?)");

    java.nio.file.Files.createDirectories(list.localKubeconfig.getParent());
    java.nio.file.Files.writeString(list.localKubeconfig, "apiVersion: v1\n");
    ListCommand again =
        new ListCommand(() -> new KubernetesClientBuilder().withConfig(nowhere).build());
    again.localKubeconfig = list.localKubeconfig;
    assertThat(run(again).err())
        .contains(
            "(for the local mode of this directory: KUBECONFIG=" + list.localKubeconfig + ")");
  }

  @Test
  void approveRecordsTheCallerTheApiServerNames() {
    awaiting("zigbee", now.minusSeconds(60));
    answerSelfSubjectReviewsAs("alice@homelab");
    Run r = run(new ApproveCommand(kubeconfig("default")), "zigbee", "-n", ns);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "approved "
                + ns
                + "/zigbee (restart solaria/ollama) as alice@homelab; the operator dispatches it"
                + " shortly\n");
    assertThat(annotations("zigbee"))
        .containsEntry(APPROVAL, "approved")
        .containsEntry(APPROVED_BY, "alice@homelab");
  }

  @Test
  void withoutASelfSubjectReviewTheKubeconfigUserIsRecorded() {
    awaiting("zigbee", now.minusSeconds(60));
    server
        .expect()
        .post()
        .withPath("/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .andReturn(404, "")
        .once();
    Run r = run(new ApproveCommand(kubeconfig(ns)), "zigbee");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(annotations("zigbee")).containsEntry(APPROVED_BY, "kube-alice");
  }

  @Test
  void rejectWithByRecordsWhoIsGiven() {
    awaiting("zigbee", now.minusSeconds(60));
    Run r = run(new RejectCommand(kubeconfig("default")), "zigbee", "-n", ns, "--by", "bob");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("rejected " + ns + "/zigbee").contains("as bob");
    assertThat(annotations("zigbee"))
        .containsEntry(APPROVAL, "rejected")
        .containsEntry(APPROVED_BY, "bob");
  }

  @Test
  void approvingAProposalInAnotherPhaseExitsOneAndChangesNothing() {
    put(TestProposals.dispatched(), "done");
    Run r = run(new ApproveCommand(kubeconfig(ns)), "done", "--by", "bob");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .isEqualTo(
            "remediation-operator approve: proposal done in namespace "
                + ns
                + " is Dispatched, not AwaitingApproval; nothing changed\n");
    assertThat(annotations("done")).doesNotContainKeys(APPROVAL, APPROVED_BY);

    Run missing = run(new RejectCommand(kubeconfig(ns)), "nothing-here");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err())
        .isEqualTo(
            "remediation-operator reject: no proposal nothing-here in namespace " + ns + "\n");
  }

  /**
   * A proposal still AwaitingApproval whose status.expiresAt has passed (the operator down): the
   * operator would only mark it Expired and ignore the annotation, so neither command writes one.
   */
  @Test
  void decidingAProposalPastItsExpiryExitsOneAndChangesNothing() {
    RemediationProposal p = TestProposals.awaitingApproval();
    p.getStatus().getProposal().setAnsweredAt(now.minus(Duration.ofHours(25)).toString());
    p.getStatus().setExpiresAt(now.minus(Duration.ofMinutes(5)).toString());
    put(p, "late");
    for (ClusterCommand command :
        List.of(new ApproveCommand(kubeconfig(ns)), new RejectCommand(kubeconfig(ns)))) {
      Run r = run(command, "late", "--by", "bob");
      assertThat(r.code()).as(r.err()).isEqualTo(1);
      assertThat(r.out()).isEmpty();
      assertThat(r.err())
          .startsWith(
              "remediation-operator "
                  + (command instanceof ApproveCommand ? "approve" : "reject")
                  + ": proposal late in namespace "
                  + ns
                  + " expired at "
                  + now.minus(Duration.ofMinutes(5))
                  + ", 5m ago (status.expiresAt) with no decision;")
          .endsWith("; nothing changed\n");
    }
    assertThat(annotations("late")).doesNotContainKeys(APPROVAL, APPROVED_BY);
  }

  /**
   * Seconds before its expiry a decision could reach the operator after it (and be ignored, the
   * proposal Expired): too late, exit 1, nothing written, rather than "dispatches it shortly".
   */
  @Test
  void decidingAProposalInItsLastSecondsExitsOneAndChangesNothing() {
    RemediationProposal p = TestProposals.awaitingApproval();
    p.getStatus().getProposal().setAnsweredAt(now.minus(Duration.ofHours(24)).toString());
    p.getStatus().setExpiresAt(now.plusSeconds(3).toString());
    put(p, "nearly");
    Run r = run(new ApproveCommand(kubeconfig(ns)), "nearly", "--by", "bob");
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "remediation-operator approve: proposal nearly in namespace "
                + ns
                + " expires at "
                + now.plusSeconds(3)
                + ", in under 5 s: too late for a decision to reach the operator before it;"
                + " nothing changed\n");
    assertThat(annotations("nearly")).doesNotContainKeys(APPROVAL, APPROVED_BY);
  }

  /**
   * kubectl's forms of the name (rp/NAME and the others) are taken; any other name that is not a
   * Kubernetes object name is a usage error (exit 2) before any API call: it was "the Kubernetes
   * API An error has occurred." and exit 1.
   */
  @Test
  void theCommandsTakeKubectlsFormsAndRefuseOtherNamesBeforeAnyApiCall() {
    awaiting("zigbee", now.minusSeconds(60));
    awaiting("jellyfin", now.minusSeconds(60));
    Run approve = run(new ApproveCommand(kubeconfig(ns)), "rp/zigbee", "--by", "bob");
    assertThat(approve.code()).as(approve.err()).isZero();
    assertThat(approve.out()).startsWith("approved " + ns + "/zigbee ");
    assertThat(annotations("zigbee")).containsEntry(APPROVAL, "approved");
    Run reject =
        run(
            new RejectCommand(kubeconfig(ns)),
            "remediationproposals.remediation.homelab.dev/jellyfin",
            "--by",
            "bob");
    assertThat(reject.code()).as(reject.err()).isZero();
    assertThat(annotations("jellyfin")).containsEntry(APPROVAL, "rejected");
    for (String form :
        List.of(
            "zigbee",
            "rp/zigbee",
            "remediationproposal/zigbee",
            "remediationproposals/zigbee",
            "remediationproposals.remediation.homelab.dev/zigbee",
            "rp.v1alpha1.remediation.homelab.dev/zigbee",
            "RemediationProposal/zigbee")) {
      Run explain = run(new ExplainCommand(kubeconfig(ns)), form);
      assertThat(explain.code()).as(form + ": " + explain.err()).isZero();
      assertThat(explain.out()).as(form).contains("Name:           " + ns + "/zigbee\n");
    }

    Supplier<KubernetesClient> none =
        () -> {
          throw new AssertionError("no API call wanted");
        };
    Map<String, String> refusals =
        Map.of(
            "rsil/zigbee",
            "rsil is not a RemediationProposal (give NAME, rp/NAME or",
            "pods/zigbee",
            "pods is not a RemediationProposal",
            "/zigbee",
            "no type",
            "rp/",
            "is not a RemediationProposal name",
            "rp/a/b",
            "is not a RemediationProposal name",
            "Zigbee_2",
            "is not a RemediationProposal name (a Kubernetes object name:",
            "a".repeat(254),
            "at most 253 characters");
    for (Map.Entry<String, String> e : refusals.entrySet()) {
      for (ClusterCommand command :
          List.of(new ApproveCommand(none), new RejectCommand(none), new ExplainCommand(none))) {
        Run r = run(command, "--", e.getKey());
        assertThat(r.code()).as(e.getKey() + ": " + r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip().lines())
            .as(e.getKey())
            .singleElement()
            .asString()
            .startsWith("remediation-operator " + command.spec.name() + ": '" + e.getKey() + "'")
            .contains(e.getValue())
            .endsWith("; nothing was done");
      }
    }
  }

  @Test
  void aSecondDecisionExitsOne() {
    awaiting("zigbee", now.minusSeconds(60));
    assertThat(run(new ApproveCommand(kubeconfig(ns)), "zigbee", "--by", "a").code()).isZero();
    Run again = run(new RejectCommand(kubeconfig(ns)), "zigbee", "--by", "b");
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err())
        .contains("already has approval=approved")
        .contains("kubectl annotate rp -n " + ns + " zigbee remediation.homelab.dev/approval-")
        .contains("nothing changed");
    assertThat(annotations("zigbee"))
        .containsEntry(APPROVAL, "approved")
        .containsEntry(APPROVED_BY, "a");
  }

  @Test
  void aBadNamespaceFlagIsAUsageError() {
    Run r = run(new ListCommand(kubeconfig(ns)), "-n", "Not_A_Namespace");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("remediation-operator list: invalid setting WATCH_NAMESPACE");
  }

  @Test
  void listShowsThoseAwaitingApprovalFirstSoonestToExpireFirst() {
    put(TestProposals.dispatched(), "a-dispatched");
    awaiting("b-later", now.minus(Duration.ofHours(1)));
    awaiting("c-sooner", now.minus(Duration.ofHours(20)));
    put(TestProposals.pending(), "d-pending");
    Run r = run(new ListCommand(kubeconfig(ns)));
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0))
        .matches("NAME\\s+SERVICE\\s+ACTION\\s+CONFIDENCE\\s+PHASE\\s+AGE\\s+EXPIRES");
    assertThat(lines).hasSize(5);
    assertThat(lines.get(1))
        .matches(
            "c-sooner\\s+solaria/ollama\\s+restart\\s+0.5\\s+AwaitingApproval\\s+\\d+s\\s+in 4h");
    assertThat(lines.get(2)).startsWith("b-later ").endsWith("in 23h");
    assertThat(lines.subList(3, 5))
        .anySatisfy(
            l ->
                assertThat(l)
                    .matches(
                        "a-dispatched\\s+solaria/ollama\\s+restart\\s+0.9\\s+Dispatched\\s+\\d+s\\s+-"))
        .anySatisfy(
            l ->
                assertThat(l)
                    .matches("d-pending\\s+solaria/ollama\\s+-\\s+-\\s+Pending\\s+\\d+s\\s+-"));
    // Columns line up.
    int phase = lines.get(0).indexOf("PHASE");
    assertThat(lines).allSatisfy(l -> assertThat(l.charAt(phase - 1)).isEqualTo(' '));

    Run empty = run(new ListCommand(kubeconfig("empty-ns")));
    assertThat(empty.code()).isZero();
    assertThat(empty.err()).isEqualTo("No proposals in namespace empty-ns.\n");
  }

  @Test
  void explainTellsTheEventTheAnswerThePolicyAndTheTimeline() {
    RemediationProposal p = TestProposals.awaitingApproval();
    p.getSpec().setMessage("health check failing for 3m");
    p.getStatus().setOccurrences(3L);
    p.getStatus().setFirstSeen("2026-05-27T17:11:39Z");
    p.getStatus().setLastSeen("2026-05-27T17:14:39.123456Z"); // shown to the second
    p.getStatus().getProposal().setPolicyRules(List.of("always-human-node", "low-confidence"));
    p.getStatus().getProposal().setFailedModels(List.of("openai/gpt-4o-mini: timeout"));
    RemediationProposal stored = put(p, "zigbee");
    KubernetesEventRecorder events =
        new KubernetesEventRecorder(client, Clock.fixed(now, ZoneOffset.UTC), "test");
    events.record(stored, EventReason.Proposing, "Waiting for the model.");
    KubernetesEventRecorder later =
        new KubernetesEventRecorder(client, Clock.fixed(now.plusSeconds(5), ZoneOffset.UTC), "t");
    later.record(stored, EventReason.AwaitingApproval, "restart needs a person.");
    later.record(stored, EventReason.AwaitingApproval, "restart needs a person.");
    // An Event of an earlier proposal of the same name (another uid) is not this one's.
    RemediationProposal predecessor =
        TestProposals.withIdentity(ns, "zigbee", "00000000-dead-4000-8000-000000000000");
    events.record(predecessor, EventReason.Rejected, "an older one");

    Run r = run(new ExplainCommand(kubeconfig(ns)), "zigbee");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("Name:           " + ns + "/zigbee\n")
        .contains("Phase:          AwaitingApproval\n")
        .contains(
            "Event:          service_unhealthy on solaria/ollama, severity warning, observed"
                + " 2026-05-27T17:11:39Z\n")
        .contains("Message:        health check failing for 3m\n")
        .contains(
            "Occurrences:    3 (first seen 2026-05-27T17:11:39Z, last seen 2026-05-27T17:14:39Z)\n")
        .contains("Action:         restart (restart_service) on solaria/ollama, requires a human\n")
        .contains("Model:          ollama/llama3.1:8b, answered 2026-05-27T17:11:41Z\n")
        .contains("Failed models:  openai/gpt-4o-mini: timeout\n")
        .contains("Reason:         health check failing\n")
        .contains("Policy rules:   always-human-node, low-confidence\n")
        .contains("Expires:        2026-05-28T17:11:41Z (APPROVAL_TTL 24h after the answer)\n")
        .contains("Timeline:\n")
        .doesNotContain("an older one");
    String timeline = r.out().substring(r.out().indexOf("Timeline:"));
    assertThat(timeline.lines().skip(1).toList())
        .satisfiesExactly(
            l -> assertThat(l).matches("  \\S+  Normal\\s+Proposing\\s+Waiting for the model\\."),
            l ->
                assertThat(l)
                    .matches(
                        "  \\S+  Normal\\s+AwaitingApproval\\s+restart needs a person\\. \\(x2, last"
                            + " \\S+\\)"));

    Run missing = run(new ExplainCommand(kubeconfig(ns)), "nope");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("no proposal nope in namespace " + ns);
  }

  @Test
  void explainShowsASilenceAndAnOutcome() {
    RemediationProposal silenced = TestProposals.proposal(Phase.Silenced);
    silenced.getStatus().setSilencedBy("sil-maintenance");
    put(silenced, "quiet");
    Run r = run(new ExplainCommand(kubeconfig(ns)), "quiet");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("Proposal:       none: no model was asked\n")
        .contains("Silenced by:    sil-maintenance\n")
        .doesNotContain("no answer yet");

    RemediationProposal dispatched = TestProposals.awaitingApproval();
    dispatched.getStatus().setPhase(Phase.Dispatched);
    OutcomeRecord outcome = new OutcomeRecord();
    outcome.setResult("Recovered");
    outcome.setAt("2026-05-27T17:20:00Z");
    outcome.setDetail("service_healthy 2m after the dispatch");
    dispatched.getStatus().setOutcome(outcome);
    put(dispatched, "helped");
    Run d = run(new ExplainCommand(kubeconfig(ns)), "helped");
    assertThat(d.out())
        .contains(
            "Outcome:        Recovered at 2026-05-27T17:20:00Z: service_healthy 2m after the"
                + " dispatch\n");

    RemediationProposal waiting = TestProposals.proposal(Phase.Proposing);
    put(waiting, "thinking");
    assertThat(run(new ExplainCommand(kubeconfig(ns)), "thinking").out())
        .contains("Proposal:       no answer yet\n");

    // Every model failing: the retry schedule while Failed, and why there is no answer after.
    RemediationProposal failing = TestProposals.proposal(Phase.Failed);
    failing.getStatus().setAttempts(3);
    failing.getStatus().setNextAttemptAt("2026-05-27T17:40:00Z");
    put(failing, "failing");
    assertThat(run(new ExplainCommand(kubeconfig(ns)), "failing").out())
        .contains("Attempts:       3\n")
        .contains("Next attempt:   2026-05-27T17:40:00Z\n");
    RemediationProposal unanswered = TestProposals.proposal(Phase.Expired);
    ApprovalRecord ttl = new ApprovalRecord();
    ttl.setDecision("expired");
    ttl.setBy("ttl");
    unanswered.getStatus().setApproval(ttl);
    put(unanswered, "unanswered");
    assertThat(run(new ExplainCommand(kubeconfig(ns)), "unanswered").out())
        .contains("Proposal:       none: every model failed until it expired")
        .doesNotContain("no model was asked");
  }

  /**
   * A second export after one proposal was decided and another deleted takes their files out of the
   * directory (the next pull request removes their approvals from Git), and leaves the files it did
   * not write and the other namespace's alone.
   */
  @Test
  void exportRemovesTheFilesOfProposalsNoLongerOpen(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    awaiting("waiting", now);
    awaiting("decided", now);
    awaiting("deleted", now);
    Run first = run(new ExportCommand(kubeconfig(ns)), dir.toString());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out().lines().toList()).hasSize(3);
    java.nio.file.Path decided = dir.resolve(ns + "-decided.yaml");
    // The reviewer uncommented the approval in Git; the proposal was decided, another deleted.
    java.nio.file.Files.writeString(
        decided,
        java.nio.file.Files.readString(decided).replace("    # remediation", "    remediation"));
    java.nio.file.Path mine = java.nio.file.Files.writeString(dir.resolve(ns + "-notes.yaml"), "x");
    java.nio.file.Path otherNs =
        java.nio.file.Files.writeString(
            dir.resolve("other-deleted.yaml"), "# RemediationProposal other/deleted (Pending)\n");
    RemediationProposal d =
        client.resources(RemediationProposal.class).inNamespace(ns).withName("decided").get();
    d.getStatus().setPhase(Phase.Dispatched);
    client.resource(d).updateStatus();
    client.resources(RemediationProposal.class).inNamespace(ns).withName("deleted").delete();

    Run second = run(new ExportCommand(kubeconfig(ns)), dir.toString());

    assertThat(second.code()).as(second.err()).isZero();
    assertThat(second.out()).isEqualTo(dir.resolve(ns + "-waiting.yaml") + "\n");
    assertThat(second.err())
        .contains("removed " + decided + " (no longer open)")
        .contains("removed " + dir.resolve(ns + "-deleted.yaml"))
        .contains("exported 1 open proposal(s) from namespace " + ns + ", removed 2 file(s)");
    try (var files = java.nio.file.Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted())
          .containsExactlyInAnyOrder(
              "other-deleted.yaml", ns + "-notes.yaml", ns + "-waiting.yaml");
    }
    assertThat(mine).exists();
    assertThat(otherNs).exists();

    client.resources(RemediationProposal.class).inNamespace(ns).withName("waiting").delete();
    Run kept = run(new ExportCommand(kubeconfig(ns)), dir.toString(), "--keep-closed");
    assertThat(kept.err()).contains("exported 0 open proposal(s)").doesNotContain("removed");
    assertThat(dir.resolve(ns + "-waiting.yaml")).exists();
  }

  @Test
  void exportSaysWhyItCannotWrite(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    awaiting("waiting", now);
    java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("a-file"), "x");
    Run r = run(new ExportCommand(kubeconfig(ns)), file.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("remediation-operator export: cannot write into " + file);
    assertThat(java.nio.file.Files.readString(file)).isEqualTo("x");
  }

  @Test
  void theCommandsAreSubcommandsOfTheApp() {
    CommandLine app = RemediationOperatorApp.commandLine();
    assertThat(app.getSubcommands()).containsKeys("approve", "reject", "list", "explain", "export");
    StringWriter out = new StringWriter();
    app.setOut(new PrintWriter(out));
    assertThat(app.execute("approve", "--help")).isZero();
    assertThat(out.toString()).contains("NAME").contains("-n, --namespace").contains("--by");
  }
}
