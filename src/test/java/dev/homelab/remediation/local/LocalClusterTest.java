package dev.homelab.remediation.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.api.v1alpha1.RemediationProposalSpec;
import dev.homelab.remediation.api.v1alpha1.RemediationSilence;
import dev.homelab.remediation.api.v1alpha1.RemediationSilenceSpec;
import dev.homelab.remediation.api.v1alpha1.SilenceMatchers;
import dev.homelab.remediation.support.TestProposals;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Local mode's API server speaks what kubectl asks for, checked over HTTP with the requests kubectl
 * 1.32 makes (its Accept headers and query parameters), so it is covered where kubectl is not
 * installed too. LocalModeE2E runs kubectl itself.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LocalClusterTest {
  static final String TABLE =
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
  static final String RP =
      "/apis/remediation.homelab.dev/v1alpha1/namespaces/default/remediationproposals";
  static final ObjectMapper JSON = new ObjectMapper();
  static LocalCluster cluster;
  static KubernetesClient client;
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(TestRedis.freePort(), "default");
    client = cluster.newClient("default");
    client.resource(proposal("chelsty-zigbee2mqtt-0123456789", "chelsty/zigbee2mqtt")).create();
    client.resource(proposal("solaria-ollama-0123456789", "solaria/ollama")).create();
    for (String target : List.of("chelsty-zigbee2mqtt-0123456789", "solaria-ollama-0123456789")) {
      client
          .v1()
          .events()
          .inNamespace("default")
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(target + ".1")
                  .withNamespace("default")
                  .endMetadata()
                  .withNewInvolvedObject()
                  .withKind("RemediationProposal")
                  .withName(target)
                  .withNamespace("default")
                  .endInvolvedObject()
                  .withReason("Pending")
                  .withType("Normal")
                  .withMessage("about " + target)
                  .withLastTimestamp(Instant.now().minusSeconds(200).toString())
                  .build())
          .create();
    }
  }

  @AfterAll
  static void stop() {
    client.close();
    cluster.close();
  }

  static RemediationProposal proposal(String name, String svcKey) {
    RemediationProposalSpec spec = TestProposals.spec();
    spec.setSvcKey(svcKey);
    return TestProposals.named("default", name, spec);
  }

  static HttpResponse<String> get(String path, String accept)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(cluster.url() + path))
            .header("Accept", accept)
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(String path, String accept) throws IOException, InterruptedException {
    HttpResponse<String> r = get(path, accept);
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .as(path)
        .hasValueSatisfying(c -> assertThat(c).startsWith("application/json"));
    return JSON.readTree(r.body());
  }

  /** SPEC 10: approve's approved-by defaults to the caller: here, the one who runs local mode. */
  @Test
  void saysWhoTheCallerIsAsKubectlAuthWhoamiAsks() {
    var review =
        client
            .authentication()
            .v1()
            .selfSubjectReviews()
            .create(new io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview());
    assertThat(review.getStatus().getUserInfo().getUsername())
        .isEqualTo(System.getProperty("user.name"));
  }

  @Test
  void servesDiscoveryWithAndWithoutKubectlsTimeout() throws Exception {
    for (String q : List.of("", "?timeout=32s")) {
      assertThat(json("/api" + q, "application/json").get("versions").get(0).asText())
          .isEqualTo("v1");
      assertThat(json("/apis" + q, "application/json").get("groups"))
          .extracting(g -> g.get("name").asText())
          .contains("remediation.homelab.dev", "apiextensions.k8s.io", "coordination.k8s.io");
      JsonNode rp = json("/apis/remediation.homelab.dev/v1alpha1" + q, "application/json");
      assertThat(rp.get("kind").asText()).isEqualTo("APIResourceList");
      JsonNode proposals = rp.get("resources").get(0);
      assertThat(proposals.get("name").asText()).isEqualTo("remediationproposals");
      assertThat(proposals.get("shortNames").get(0).asText()).isEqualTo("rp");
      assertThat(proposals.get("namespaced").asBoolean()).isTrue();
      assertThat(rp.get("resources"))
          .filteredOn(r -> r.get("name").asText().equals("remediationsilences"))
          .singleElement()
          .satisfies(r -> assertThat(r.get("shortNames").get(0).asText()).isEqualTo("rsil"));
      assertThat(json("/api/v1" + q, "application/json").get("resources"))
          .extracting(r -> r.get("name").asText())
          .contains("events", "namespaces");
    }
    assertThat(json("/version", "application/json").get("major").asText()).isEqualTo("1");
  }

  @Test
  void printsTheCrdsColumnsAsATableWhenAsked() throws Exception {
    JsonNode table = json(RP + "?limit=500", TABLE);
    assertThat(table.get("kind").asText()).isEqualTo("Table");
    assertThat(table.get("columnDefinitions"))
        .extracting(c -> c.get("name").asText())
        .containsExactly(
            "Name",
            "SERVICE",
            "EVENT",
            "ACTION",
            "CONFIDENCE",
            "HUMAN",
            "PHASE",
            "OUTCOME",
            "OCCURRENCES",
            "AGE");
    JsonNode row = table.get("rows").get(0);
    assertThat(row.get("cells").get(0).asText()).isEqualTo("chelsty-zigbee2mqtt-0123456789");
    assertThat(row.get("cells").get(1).asText()).isEqualTo("chelsty/zigbee2mqtt");
    assertThat(row.get("cells").get(3).isNull()).as("no proposal yet").isTrue();
    assertThat(row.get("cells").get(9).asText()).matches("\\d+s");
    assertThat(row.get("object").get("kind").asText()).isEqualTo("PartialObjectMetadata");

    JsonNode list = json(RP, "application/json");
    assertThat(list.get("kind").asText()).isEqualTo("RemediationProposalList");
    assertThat(list.get("items")).hasSize(2);
  }

  @Test
  void printsTheSilencesColumnsToo() throws Exception {
    RemediationSilence s = new RemediationSilence();
    s.setMetadata(
        new ObjectMetaBuilder().withName("sil-maintenance").withNamespace("default").build());
    RemediationSilenceSpec spec = new RemediationSilenceSpec();
    spec.setMatchers(new SilenceMatchers("chelsty", null, null));
    spec.setEndsAt("2026-05-27T19:11:39Z");
    spec.setCreatedBy("alice");
    s.setSpec(spec);
    client.resource(s).create();
    JsonNode table =
        json(
            "/apis/remediation.homelab.dev/v1alpha1/namespaces/default/remediationsilences", TABLE);
    assertThat(table.get("columnDefinitions"))
        .extracting(c -> c.get("name").asText())
        .containsExactly(
            "Name", "NODE", "SERVICE", "EVENT", "STATE", "ENDS", "CREATOR", "COMMENT", "AGE");
    JsonNode cells = table.get("rows").get(0).get("cells");
    assertThat(cells.get(0).asText()).isEqualTo("sil-maintenance");
    assertThat(cells.get(1).asText()).isEqualTo("chelsty");
    assertThat(cells.get(5).asText()).isEqualTo("2026-05-27T19:11:39Z");
    assertThat(cells.get(6).asText()).isEqualTo("alice");
  }

  @Test
  void filtersEventsByAnyFieldAsDescribeAsks() throws Exception {
    String selector =
        "involvedObject.name%3Dsolaria-ollama-0123456789%2CinvolvedObject.namespace%3Ddefault"
            + "%2CinvolvedObject.kind%3DRemediationProposal";
    JsonNode list =
        json(
            "/api/v1/namespaces/default/events?fieldSelector=" + selector + "&limit=500",
            "application/json");
    assertThat(list.get("kind").asText()).isEqualTo("EventList");
    assertThat(list.get("items"))
        .extracting(e -> e.get("message").asText())
        .containsExactly("about solaria-ollama-0123456789");

    JsonNode table = json("/api/v1/namespaces/default/events", TABLE);
    assertThat(table.get("columnDefinitions"))
        .extracting(c -> c.get("name").asText())
        .startsWith("Last Seen", "Type", "Reason", "Object");
    assertThat(table.get("rows"))
        .extracting(r -> r.get("cells").get(3).asText())
        .contains("remediationproposal/chelsty-zigbee2mqtt-0123456789");
    assertThat(table.get("rows").get(0).get("cells").get(0).asText())
        .as("an age of 200 s or a bit more")
        .matches("[3-9]m(\\d+s)?");
  }

  /**
   * Label selectors as the API server reads them, {@code in} and {@code notin} too: the Fabric8
   * store ignored those, so {@code kubectl delete rp -l 'node in (x)'} listed, and deleted, every
   * proposal. A delete by such a selector is refused and changes nothing; one that cannot be read
   * is refused.
   */
  @Test
  void appliesSetBasedLabelSelectorsAndRefusesToDeleteByThem() throws Exception {
    String key = "example.com/shelf";
    for (String shelf : List.of("top", "bottom")) {
      RemediationProposal p = proposal("labelled-" + shelf, "nas/" + shelf);
      p.getMetadata().setLabels(Map.of(key, shelf));
      client.resource(p).create();
    }
    try {
      selectByLabels();
    } finally { // the other tests count the two proposals of start()
      for (String shelf : List.of("top", "bottom")) {
        client
            .resources(RemediationProposal.class)
            .inNamespace("default")
            .withName("labelled-" + shelf)
            .delete();
      }
    }
  }

  void selectByLabels() throws Exception {
    assertThat(names("example.com%2Fshelf+in+%28top%2Cside%29")).containsExactly("labelled-top");
    assertThat(names("example.com%2Fshelf+in+%28nowhere%29")).isEmpty();
    assertThat(names("example.com%2Fshelf+notin+%28top%29"))
        .contains("labelled-bottom", "solaria-ollama-0123456789") // no such label: not in (top)
        .doesNotContain("labelled-top");
    assertThat(names("example.com%2Fshelf%2C%21other.com%2Fx%2Cexample.com%2Fshelf%21%3Dtop"))
        .containsExactly("labelled-bottom");

    HttpResponse<String> delete =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        cluster.url() + RP + "?labelSelector=example.com%2Fshelf+in+%28nowhere%29"))
                .DELETE()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(400);
    assertThat(delete.body()).contains("nothing was changed");
    assertThat(client.resources(RemediationProposal.class).inNamespace("default").list().getItems())
        .hasSizeGreaterThanOrEqualTo(4);

    HttpResponse<String> bad =
        get(RP + "?labelSelector=example.com%2Fshelf+in+top", "application/json");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("unable to parse requirement");
  }

  static List<String> names(String encodedSelector) throws Exception {
    JsonNode list = json(RP + "?labelSelector=" + encodedSelector, "application/json");
    List<String> names = new java.util.ArrayList<>();
    list.get("items").forEach(i -> names.add(i.path("metadata").path("name").asText()));
    return names;
  }

  @Test
  void refusesWhatItDoesNotServe() throws Exception {
    HttpResponse<String> openapi = get("/openapi/v2", "application/json");
    assertThat(openapi.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(openapi.body()).get("message").asText()).contains("kubectl explain");

    String name = RP + "/chelsty-zigbee2mqtt-0123456789";
    HttpResponse<String> dryRun = patch(name + "?dryRun=All", "application/merge-patch+json");
    assertThat(dryRun.statusCode()).isEqualTo(400);
    assertThat(
            client
                .resources(RemediationProposal.class)
                .inNamespace("default")
                .withName("chelsty-zigbee2mqtt-0123456789")
                .get()
                .getMetadata()
                .getAnnotations())
        .doesNotContainKey("touched");

    HttpResponse<String> strategic = patch(name, "application/strategic-merge-patch+json");
    assertThat(strategic.statusCode()).isEqualTo(415);
    assertThat(strategic.body()).contains("merge-patch");
  }

  static HttpResponse<String> patch(String path, String contentType)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(cluster.url() + path))
            .header("Content-Type", contentType)
            .method(
                "PATCH",
                HttpRequest.BodyPublishers.ofString(
                    "{\"metadata\":{\"annotations\":{\"touched\":\"yes\"}}}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * A merge patch as the API server applies it (RFC 7386): a list replaces the one stored (a status
   * patch's conditions do not pile up), a null removes its key, objects merge key by key.
   */
  @Test
  void aMergePatchReplacesListsAndANullRemovesItsKey() throws Exception {
    String name = "solaria-ollama-0123456789";
    var proposals = client.resources(RemediationProposal.class).inNamespace("default");
    var merge =
        io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
            io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE);
    proposals
        .withName(name)
        .subresource("status")
        .patch(
            merge,
            "{\"status\":{\"phase\":\"AwaitingApproval\",\"message\":\"m\",\"conditions\":["
                + "{\"type\":\"Proposed\",\"status\":\"True\",\"reason\":\"A\"},"
                + "{\"type\":\"Approved\",\"status\":\"False\",\"reason\":\"B\"}]}}");
    proposals
        .withName(name)
        .subresource("status")
        .patch(
            merge,
            "{\"status\":{\"phase\":\"Dispatched\",\"message\":null,\"conditions\":["
                + "{\"type\":\"Approved\",\"status\":\"True\",\"reason\":\"C\"}]}}");
    proposals
        .withName(name)
        .patch(merge, "{\"metadata\":{\"annotations\":{\"a\":\"1\",\"b\":\"2\"}}}");
    proposals.withName(name).patch(merge, "{\"metadata\":{\"annotations\":{\"a\":null}}}");

    JsonNode stored = json(RP + "/" + name, "application/json");
    assertThat(stored.at("/status/phase").asText()).isEqualTo("Dispatched");
    assertThat(stored.at("/status").has("message")).as("null removes it").isFalse();
    assertThat(stored.at("/status/conditions")).hasSize(1);
    assertThat(stored.at("/status/conditions/0/reason").asText()).isEqualTo("C");
    assertThat(stored.at("/metadata/annotations").has("a")).isFalse();
    assertThat(stored.at("/metadata/annotations/b").asText()).isEqualTo("2");
    assertThat(stored.at("/spec/svcKey").asText()).as("untouched").isEqualTo("solaria/ollama");

    // A merge patch that is not an object is refused and changes nothing.
    for (String body : List.of("null", "[]", "\"x\"")) {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(cluster.url() + RP + "/" + name + "/status"))
                  .header("Content-Type", "application/merge-patch+json")
                  .method("PATCH", HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(body + ": " + r.body()).isEqualTo(400);
    }
    assertThat(json(RP + "/" + name, "application/json").at("/status/phase").asText())
        .isEqualTo("Dispatched");
  }

  /** As on a cluster: nothing is created in a namespace that does not exist. */
  @Test
  void refusesToCreateInANamespaceThatDoesNotExist() {
    RemediationProposal p = proposal("nas-sonarr-0123456789", "nas/sonarr");
    p.getMetadata().setNamespace("homelab");
    assertThatThrownBy(() -> client.resource(p).inNamespace("homelab").create())
        .isInstanceOfSatisfying(
            io.fabric8.kubernetes.client.KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(404);
              assertThat(e.getStatus().getMessage()).isEqualTo("namespaces \"homelab\" not found");
              assertThat(e.getStatus().getDetails().getKind()).isEqualTo("namespaces");
            });
    assertThat(client.resources(RemediationProposal.class).inNamespace("homelab").list().getItems())
        .isEmpty();
  }

  /**
   * kubectl create namespace (and create configmap) send protobuf, which the store read as YAML and
   * failed on with a 500: it is refused with a 415 that says what to run instead, by its
   * Content-Type or by the bytes "k8s\0" it starts with, and nothing is created.
   */
  @Test
  void refusesAProtobufBodyAndCreatesNothing() throws Exception {
    byte[] namespace = protobuf("\n\u0002v1\u0012\tNamespace");
    HttpResponse<String> typed =
        post("/api/v1/namespaces", "application/vnd.kubernetes.protobuf", namespace);
    assertThat(typed.statusCode()).as(typed.body()).isEqualTo(415);
    JsonNode status = JSON.readTree(typed.body());
    assertThat(status.get("kind").asText()).isEqualTo("Status");
    assertThat(status.get("reason").asText()).isEqualTo("UnsupportedMediaType");
    assertThat(status.get("message").asText())
        .contains("not protobuf: nothing was changed")
        .contains(
            "kubectl create namespace NAME --dry-run=client -o yaml"
                + " | kubectl create --validate=false -f -");

    HttpResponse<String> untyped = post(RP, "application/json", protobuf("proposal"));
    assertThat(untyped.statusCode()).as(untyped.body()).isEqualTo(415);
    assertThat(JSON.readTree(untyped.body()).get("message").asText())
        .contains("kubectl create --validate=false -f FILE");

    HttpResponse<String> configmap =
        post(
            "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create",
            "application/vnd.kubernetes.protobuf",
            protobuf("configmap"));
    assertThat(configmap.statusCode()).as(configmap.body()).isEqualTo(415);
    assertThat(JSON.readTree(configmap.body()).get("message").asText())
        .contains("does not serve /api/v1/namespaces/default/configmaps");

    assertThat(client.namespaces().list().getItems())
        .extracting(n -> n.getMetadata().getName())
        .containsExactly("default");
    assertThat(client.resources(RemediationProposal.class).inNamespace("default").list().getItems())
        .hasSize(2);
    assertThat(client.configMaps().inNamespace("default").list().getItems()).isEmpty();
  }

  /** A body as kubectl encodes it: the magic "k8s\0", then the message. */
  static byte[] protobuf(String rest) {
    byte[] tail = rest.getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[4 + tail.length];
    System.arraycopy(new byte[] {'k', '8', 's', 0}, 0, body, 0, 4);
    System.arraycopy(tail, 0, body, 4, tail.length);
    return body;
  }

  static HttpResponse<String> post(String path, String contentType, byte[] body)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(cluster.url() + path))
            .header("Content-Type", contentType)
            .header("Accept", "application/vnd.kubernetes.protobuf, */*")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void streamsAWatchOverPlainHttpFromTheGivenResourceVersion() throws Exception {
    String rv = json(RP, "application/json").get("metadata").get("resourceVersion").asText();
    HttpRequest watch =
        HttpRequest.newBuilder(URI.create(cluster.url() + RP + "?watch=true&resourceVersion=" + rv))
            .header("Accept", TABLE)
            .GET()
            .build();
    HttpResponse<InputStream> r = HTTP.send(watch, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    BlockingQueue<String> lines = new ArrayBlockingQueue<>(100);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // closed
              }
            });
    reader.setDaemon(true);
    reader.start();
    try {
      client.resource(proposal("nas-jellyfin-0123456789", "nas/jellyfin")).create();
      String line = lines.poll(20, TimeUnit.SECONDS);
      assertThat(line).as("a watch event").isNotNull();
      JsonNode event = JSON.readTree(line);
      assertThat(event.get("type").asText()).isEqualTo("ADDED");
      assertThat(event.get("object").get("kind").asText()).isEqualTo("Table");
      assertThat(event.get("object").get("rows").get(0).get("cells").get(1).asText())
          .isEqualTo("nas/jellyfin");
      assertThat(lines.poll(500, TimeUnit.MILLISECONDS))
          .as("objects the list showed are not sent again")
          .isNull();
    } finally {
      r.body().close();
      client
          .resources(RemediationProposal.class)
          .inNamespace("default")
          .withName("nas-jellyfin-0123456789")
          .delete();
    }
  }

  @Test
  void refusesATakenPort() {
    assertThatThrownBy(() -> LocalCluster.start(cluster.port(), "default"))
        .isInstanceOf(LocalStartException.class)
        .hasMessageContaining("port " + cluster.port() + " on 127.0.0.1 is already in use");
  }

  @Test
  void agesAsKubectlPrintsThem() {
    assertThat(Tables.humanDuration(Duration.ofSeconds(45))).isEqualTo("45s");
    assertThat(Tables.humanDuration(Duration.ofSeconds(119))).isEqualTo("119s");
    assertThat(Tables.humanDuration(Duration.ofSeconds(192))).isEqualTo("3m12s");
    assertThat(Tables.humanDuration(Duration.ofMinutes(45))).isEqualTo("45m");
    assertThat(Tables.humanDuration(Duration.ofMinutes(5 * 60 + 7))).isEqualTo("5h7m");
    assertThat(Tables.humanDuration(Duration.ofHours(20))).isEqualTo("20h");
    assertThat(Tables.humanDuration(Duration.ofHours(51))).isEqualTo("2d3h");
    assertThat(Tables.humanDuration(Duration.ofDays(30))).isEqualTo("30d");
    assertThat(Tables.humanDuration(Duration.ofSeconds(-5))).isEqualTo("<invalid>");
  }
}
