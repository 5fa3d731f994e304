package dev.homelab.remediation.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.homelab.remediation.RemediationOperatorApp;
import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import dev.homelab.remediation.api.v1alpha1.RemediationSilenceSpec;
import dev.homelab.remediation.api.v1alpha1.SilenceMatchers;
import dev.homelab.remediation.support.MockKube;
import dev.homelab.remediation.support.TestKube;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.api.model.NamedContextBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code silence add | list | expire} against the mock API server in CRUD mode. */
@MockKube
class SilenceCommandTest {
  static KubernetesClient client;
  static io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server;
  static final Instant NOW = Instant.parse("2026-05-27T17:11:39Z");
  static final AtomicInteger SEQ = new AtomicInteger();

  String ns;
  String out;
  String err;

  @BeforeEach
  void setUp() {
    TestKube.installCrd(client);
    ns = "silence-cli-" + SEQ.incrementAndGet();
  }

  int run(Map<String, String> env, UnaryOperator<Config> config, String... args) {
    SilenceCommand cmd = new SilenceCommand();
    cmd.clients =
        () ->
            new KubernetesClientBuilder()
                .withConfig(config.apply(new ConfigBuilder(client.getConfiguration()).build()))
                .build();
    cmd.env = env;
    cmd.clock = Clock.fixed(NOW, ZoneOffset.UTC);
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code =
        new CommandLine(cmd).setOut(new PrintWriter(o)).setErr(new PrintWriter(e)).execute(args);
    out = o.toString();
    err = e.toString();
    return code;
  }

  /** A client config with no user of its own (the mock server's names one). */
  static Config anonymous(Config c) {
    c.setUsername(null);
    c.setCurrentContext(null);
    return c;
  }

  /** A client config whose current context names {@code user}, as a k3s kubeconfig does. */
  static UnaryOperator<Config> contextUser(String user) {
    NamedContext ctx =
        new NamedContextBuilder()
            .withName("homelab")
            .withNewContext()
            .withCluster("k3s")
            .withUser(user)
            .endContext()
            .build();
    return c -> {
      anonymous(c).setCurrentContext(ctx);
      return c;
    };
  }

  /** {@code add --node '*' --for 30m} from a kubeconfig whose context's user is {@code user}. */
  int addEverythingFor30mAs(String user) {
    return run(
        Map.of("USER", "alice"), contextUser(user), "add", "--node", "*", "--for", "30m", "-n", ns);
  }

  int run(String... args) {
    return run(Map.of("USER", "alice"), SilenceCommandTest::anonymous, args);
  }

  RemediationSilence get(String name) {
    return client.resources(RemediationSilence.class).inNamespace(ns).withName(name).get();
  }

  void create(String name, String node, String service, Instant starts, Instant ends, String by) {
    RemediationSilence s = new RemediationSilence();
    s.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    RemediationSilenceSpec spec = new RemediationSilenceSpec();
    spec.setMatchers(new SilenceMatchers(node, service, null));
    spec.setStartsAt(starts == null ? null : starts.toString());
    spec.setEndsAt(ends.toString());
    spec.setCreatedBy(by);
    spec.setComment("by " + by);
    s.setSpec(spec);
    client.resource(s).create();
  }

  @Test
  void theCommandIsRegistered() {
    CommandLine silence = RemediationOperatorApp.commandLine().getSubcommands().get("silence");
    assertThat(silence).isNotNull();
    assertThat(silence.getSubcommands()).containsOnlyKeys("add", "list", "expire");
  }

  @Test
  void addCreatesASilenceFromNowAndPrintsItsName() {
    int code =
        run(
            "add",
            "--node",
            "chelsty",
            "--service",
            "zigbee*",
            "--event-type",
            "service_unhealthy",
            "--for",
            "2h",
            "--comment",
            "firmware update",
            "-n",
            ns);
    assertThat(code).as(err).isZero();
    String name = out.strip();
    assertThat(name).matches("sil-20260527-171139-[0-9a-f]{4}");
    RemediationSilenceSpec spec = get(name).getSpec();
    assertThat(spec.getMatchers().getNode()).isEqualTo("chelsty");
    assertThat(spec.getMatchers().getService()).isEqualTo("zigbee*");
    assertThat(spec.getMatchers().getEventType()).isEqualTo("service_unhealthy");
    assertThat(spec.getStartsAt()).isEqualTo("2026-05-27T17:11:39Z");
    assertThat(spec.getEndsAt()).isEqualTo("2026-05-27T19:11:39Z");
    assertThat(spec.getCreatedBy()).isEqualTo("alice");
    assertThat(spec.getComment()).isEqualTo("firmware update");
  }

  @Test
  void theCreatorIsTheKubeconfigUserWhenThereIsOne() {
    assertThat(addEverythingFor30mAs("admin@k3s")).as(err).isZero();
    RemediationSilenceSpec spec = get(out.strip()).getSpec();
    assertThat(spec.getCreatedBy()).isEqualTo("admin@k3s");
    assertThat(spec.getEndsAt()).isEqualTo("2026-05-27T17:41:39Z");
    assertThat(spec.getComment()).isNull();
  }

  /** As approve records approved-by: who the API server says the caller is comes first. */
  @Test
  void theCreatorIsWhoTheApiServerSaysFirst() {
    TestKube.answerSelfSubjectReviewAs(server, "system:admin");
    assertThat(addEverythingFor30mAs("default")).as(err).isZero();
    assertThat(get(out.strip()).getSpec().getCreatedBy()).isEqualTo("system:admin");
  }

  /** Through the app as the plugin runs it: --kubeconfig after the subcommand, one line, exit 2. */
  @Test
  void aKubeconfigThatIsNotThereIsOneLine() {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code =
        dev.homelab.remediation.RemediationOperatorApp.commandLine()
            .setOut(new PrintWriter(o))
            .setErr(new PrintWriter(e))
            .execute(
                "silence", "add", "--node", "x", "--for", "1h", "--kubeconfig", "/nonexistent");
    assertThat(code).as(e.toString()).isEqualTo(2);
    assertThat(e.toString().strip())
        .isEqualTo("remediation-operator silence add: --kubeconfig /nonexistent: no such file");
  }

  @Test
  void elseTheKubeconfigsUserNameThenUserThenUnknown() {
    assertThat(run(Map.of("USER", "alice"), c -> c, "add", "--node", "a", "--for", "1d", "-n", ns))
        .as(err)
        .isZero();
    assertThat(get(out.strip()).getSpec().getCreatedBy()).isEqualTo("fabric8-mock-server-user");
    assertThat(
            run(
                Map.of(),
                SilenceCommandTest::anonymous,
                "add",
                "--event-type",
                "disk_*",
                "--for",
                "1d",
                "-n",
                ns))
        .as(err)
        .isZero();
    assertThat(get(out.strip()).getSpec().getCreatedBy()).isEqualTo("unknown");
  }

  @Test
  void badInputIsOneClearLineAndExitTwoAndCreatesNothing() {
    assertThat(run("add", "--node", "chelsty", "--for", "soon", "-n", ns)).isEqualTo(2);
    assertThat(err.strip())
        .isEqualTo(
            "remediation-operator silence add: --for: not a duration: 'soon'"
                + " (use e.g. 90s, 30m, 24h, 7d or PT24H)");
    assertThat(out).isEmpty();

    assertThat(run("add", "--node", "chelsty", "--for", "0s", "-n", ns)).isEqualTo(2);
    assertThat(err.lines()).singleElement().asString().contains("--for: must be longer than 0");
    assertThat(run("add", "--node", "chelsty", "--for", "-PT2H", "-n", ns)).isEqualTo(2);
    assertThat(err.lines())
        .singleElement()
        .asString()
        .contains("--for: must be longer than 0, got '-PT2H'");

    assertThat(run("add", "--for", "2h", "-n", ns)).isEqualTo(2);
    assertThat(err.lines()).singleElement().asString().contains("at least one of --node");

    assertThat(run("add", "--node", "chel sty", "--for", "2h", "-n", ns)).isEqualTo(2);
    assertThat(err.lines()).singleElement().asString().contains("--node: not a name");

    // The intake refuses such a name, so the silence would never match anything.
    assertThat(run("add", "--service", "a..b", "--for", "2h", "-n", ns)).isEqualTo(2);
    assertThat(err.lines()).singleElement().asString().contains("--service: names never contain");

    assertThat(run("add", "--node", "chelsty", "--for", "2h", "-n", "Not/Valid")).isEqualTo(2);
    assertThat(err).contains("WATCH_NAMESPACE");

    assertThat(run("add", "--node", "chelsty", "-n", ns)).isEqualTo(2); // --for is required
    assertThat(err).contains("--for");

    assertThat(TestKube.silences(client, ns)).isEmpty();
  }

  @Test
  void listShowsActiveAndPendingFirstWithMatchersEndsCreatorAndComment() {
    create("sil-old", "chelsty", null, null, NOW.minus(Duration.ofHours(1)), "bob");
    create("sil-later", "solaria", "ollama", NOW.plusSeconds(600), NOW.plusSeconds(4200), "carol");
    create("sil-now", null, "zigbee*", null, NOW.plus(Duration.ofMinutes(119)), "alice");

    assertThat(run("list", "-n", ns)).as(err).isZero();
    List<String> lines = out.lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0).split("\\s+"))
        .containsExactly("NAME", "STATE", "NODE", "SERVICE", "EVENT", "ENDS", "CREATOR", "COMMENT");
    assertThat(lines.get(1).split("\\s+"))
        .containsExactly(
            "sil-now",
            "Active",
            "*",
            "zigbee*",
            "*",
            "2026-05-27T19:10:39Z",
            "(in",
            "1h59m)",
            "alice",
            "by",
            "alice");
    assertThat(lines.get(2)).startsWith("sil-later").contains("Pending", "solaria", "ollama");
    assertThat(lines.get(2)).contains("2026-05-27T18:21:39Z (in 1h10m)", "carol");
    assertThat(lines.get(3)).startsWith("sil-old").contains("Expired", "(1h ago)", "bob");
    // Columns line up.
    int ends = lines.get(0).indexOf("ENDS");
    assertThat(lines.subList(1, 4))
        .allSatisfy(l -> assertThat(l.substring(ends)).startsWith("2026"));
  }

  @Test
  void anEmptyListSaysSo() {
    assertThat(run("list", "-n", ns)).isZero();
    assertThat(out).isEmpty();
    assertThat(err.strip()).isEqualTo("No silences in namespace " + ns + ".");
  }

  @Test
  void expireEndsASilenceNow() {
    create("sil-now", "chelsty", null, null, NOW.plus(Duration.ofHours(2)), "alice");
    assertThat(run("expire", "sil-now", "-n", ns)).as(err).isZero();
    assertThat(out.strip()).isEqualTo("sil-now expired (endsAt 2026-05-27T17:11:39Z)");
    assertThat(get("sil-now").getSpec().getEndsAt()).isEqualTo("2026-05-27T17:11:39Z");
    assertThat(get("sil-now").getSpec().getMatchers().getNode()).isEqualTo("chelsty");

    assertThat(run("expire", "sil-now", "-n", ns)).isEqualTo(1);
    assertThat(err.strip())
        .isEqualTo(
            "remediation-operator silence expire: sil-now already ended at 2026-05-27T17:11:39Z");

    assertThat(run("expire", "sil-nope", "-n", ns)).isEqualTo(1);
    assertThat(err.strip())
        .isEqualTo("remediation-operator silence expire: no silence sil-nope in " + ns);
  }

  /**
   * kubectl's forms of the name are taken; anything else that is not an object name is a usage
   * error before any API call (it was "An error has occurred.").
   */
  @Test
  void expireTakesKubectlsFormsAndRefusesOtherNamesBeforeAnyApiCall() {
    String[] forms = {
      "rsil/sil-a",
      "remediationsilence/sil-b",
      "remediationsilences/sil-c",
      "remediationsilences.remediation.homelab.dev/sil-d",
      "RemediationSilence/sil-e"
    };
    for (String form : forms) {
      String name = form.substring(form.indexOf('/') + 1);
      create(name, "chelsty", null, null, NOW.plus(Duration.ofHours(2)), "alice");
      assertThat(run("expire", form, "-n", ns)).as(form + ": " + err).isZero();
      assertThat(out.strip()).isEqualTo(name + " expired (endsAt 2026-05-27T17:11:39Z)");
      assertThat(get(name).getSpec().getEndsAt()).isEqualTo("2026-05-27T17:11:39Z");
    }
    for (String bad : new String[] {"a/b", "rp/sil-x", "rsil/", "rsil/a/b", "Sil_X", "-x", "/x"}) {
      SilenceCommand cmd = new SilenceCommand();
      cmd.clients =
          () -> {
            throw new AssertionError("no API call for " + bad);
          };
      StringWriter e = new StringWriter();
      int code =
          new CommandLine(cmd)
              .setOut(new PrintWriter(new StringWriter()))
              .setErr(new PrintWriter(e))
              .execute("expire", "-n", ns, "--", bad);
      assertThat(code).as(bad + ": " + e).isEqualTo(2);
      assertThat(e.toString().strip().lines())
          .as(bad)
          .singleElement()
          .asString()
          .startsWith("remediation-operator silence expire: '" + bad + "'")
          .endsWith("nothing was done");
    }
  }

  @Test
  void expiringAPendingSilenceMeansItNeverStarts() {
    create("sil-later", "chelsty", null, NOW.plusSeconds(600), NOW.plusSeconds(4200), "alice");
    assertThat(run("expire", "sil-later", "-n", ns)).as(err).isZero();
    assertThat(run("list", "-n", ns)).isZero();
    assertThat(out.lines().toList().get(1)).contains("Expired");
  }

  @Test
  void theCommandsWorkAgainstLocalModesApiServer() {
    try (dev.homelab.remediation.local.LocalCluster local =
        dev.homelab.remediation.local.LocalCluster.start(
            dev.homelab.remediation.support.TestRedis.freePort(), "default")) {
      java.util.function.Function<String[], Integer> cli =
          args -> {
            SilenceCommand cmd = new SilenceCommand();
            cmd.clients = () -> local.newClient("default");
            cmd.env = Map.of("USER", "alice");
            cmd.clock = Clock.fixed(NOW, ZoneOffset.UTC);
            StringWriter o = new StringWriter();
            StringWriter e = new StringWriter();
            int code =
                new CommandLine(cmd)
                    .setOut(new PrintWriter(o))
                    .setErr(new PrintWriter(e))
                    .execute(args);
            out = o.toString();
            err = e.toString();
            return code;
          };
      assertThat(cli.apply(new String[] {"add", "--node", "chelsty", "--for", "2h"}))
          .as(err)
          .isZero();
      String name = out.strip();
      assertThat(cli.apply(new String[] {"list"})).as(err).isZero();
      // Who local mode says the caller is (the user who runs it), as approve records it.
      assertThat(out).contains(name, "Active", "chelsty", System.getProperty("user.name", "local"));
      assertThat(cli.apply(new String[] {"expire", name})).as(err).isZero();
      assertThat(cli.apply(new String[] {"list"})).isZero();
      assertThat(out).contains("Expired");
    }
  }

  @Test
  void relativeTimesShowTheTwoLargestUnits() {
    assertThat(SilenceCommand.relative(Duration.ofSeconds(45))).isEqualTo("in 45s");
    assertThat(SilenceCommand.relative(Duration.ofSeconds(-90))).isEqualTo("1m30s ago");
    assertThat(SilenceCommand.relative(Duration.ofHours(2))).isEqualTo("in 2h");
    assertThat(SilenceCommand.relative(Duration.ofHours(50))).isEqualTo("in 2d2h");
  }

  /**
   * The API server's refusals, in one line each: a namespace that does not exist is not a missing
   * CRD; a server that is not there is named, at once.
   */
  @Test
  void aMissingNamespaceAndAnUnreachableServerAreToldApart() {
    server
        .expect()
        .post()
        .withPath("/apis/remediation.homelab.dev/v1alpha1/namespaces/nowhere/remediationsilences")
        .andReturn(
            404,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                + "\"message\":\"namespaces \\\"nowhere\\\" not found\",\"reason\":\"NotFound\","
                + "\"details\":{\"name\":\"nowhere\",\"kind\":\"namespaces\"},\"code\":404}")
        .once();
    assertThat(run("add", "--service", "sonarr", "--for", "1h", "-n", "nowhere")).isEqualTo(1);
    assertThat(err.strip())
        .isEqualTo("remediation-operator silence add: namespaces \"nowhere\" not found");

    int port = dev.homelab.remediation.support.TestRedis.freePort();
    int code =
        run(
            Map.of("USER", "alice"),
            c ->
                new ConfigBuilder(c)
                    .withMasterUrl("http://127.0.0.1:" + port)
                    .withRequestRetryBackoffLimit(0)
                    .build(),
            "list",
            "-n",
            ns);
    assertThat(code).isEqualTo(1);
    assertThat(err.strip())
        .startsWith(
            "remediation-operator silence list: the Kubernetes API could not be reached at"
                + " http://127.0.0.1:"
                + port
                + "/");
  }
}
