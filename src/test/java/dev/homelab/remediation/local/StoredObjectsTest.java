package dev.homelab.remediation.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.support.TestProposals;
import dev.homelab.remediation.support.TestRedis;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local mode's API server keeps its objects in a directory: everything a client wrote is there
 * again, unchanged, after a restart, and new writes continue from there as on a real API server.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class StoredObjectsTest {
  static final String NS = "default";
  @TempDir Path dir;

  Path objects() {
    return dir.resolve("objects");
  }

  <T> T withCluster(Function<KubernetesClient, T> work) {
    try (LocalCluster cluster = LocalCluster.start(TestRedis.freePort(), NS, objects());
        KubernetesClient client = cluster.newClient(NS)) {
      return work.apply(client);
    }
  }

  static RemediationProposal proposal(String name) {
    RemediationProposal p = TestProposals.proposal(null);
    p.getMetadata().setNamespace(NS);
    p.getMetadata().setName(name);
    p.getMetadata().setUid(null);
    p.getMetadata().setCreationTimestamp(null);
    return p;
  }

  static Event event(String name, Instant last) {
    return new EventBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .endMetadata()
        .withNewInvolvedObject()
        .withKind("RemediationProposal")
        .withName("p")
        .withNamespace(NS)
        .endInvolvedObject()
        .withReason("Pending")
        .withType("Normal")
        .withMessage(name)
        .withLastTimestamp(last.toString())
        .build();
  }

  @Test
  void objectsStatusAndMetadataSurviveARestart() {
    RemediationProposal before =
        withCluster(
            c -> {
              var rps = c.resources(RemediationProposal.class).inNamespace(NS);
              rps.resource(proposal("kept")).create();
              rps.resource(proposal("deleted")).create();
              RemediationProposal p = rps.withName("kept").get();
              p.setStatus(TestProposals.status(Phase.AwaitingApproval));
              rps.resource(p).updateStatus();
              rps.withName("kept")
                  .edit(
                      r -> {
                        r.getMetadata()
                            .getAnnotations()
                            .put("remediation.homelab.dev/approval", "approved");
                        return r;
                      });
              rps.withName("deleted").delete();
              return rps.withName("kept").get();
            });
    assertThat(before.getMetadata().getAnnotations())
        .containsEntry("remediation.homelab.dev/approval", "approved");

    withCluster(
        c -> {
          var rps = c.resources(RemediationProposal.class).inNamespace(NS);
          assertThat(rps.list().getItems())
              .extracting(r -> r.getMetadata().getName())
              .containsExactly("kept");
          RemediationProposal after = rps.withName("kept").get();
          assertThat(after.getMetadata().getUid()).isEqualTo(before.getMetadata().getUid());
          assertThat(after.getMetadata().getResourceVersion())
              .isEqualTo(before.getMetadata().getResourceVersion());
          assertThat(after.getMetadata().getCreationTimestamp())
              .isEqualTo(before.getMetadata().getCreationTimestamp());
          assertThat(after.getMetadata().getGeneration())
              .isEqualTo(before.getMetadata().getGeneration());
          assertThat(after.getMetadata().getAnnotations())
              .isEqualTo(before.getMetadata().getAnnotations());
          assertThat(after.getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);

          // The status subresource still holds after a restart: a status write changes status
          // only, and the resourceVersion goes on from the highest stored one.
          after.getSpec().setSvcKey("changed/by-status-write");
          after.getStatus().setPhase(Phase.Approved);
          rps.resource(after).updateStatus();
          RemediationProposal updated = rps.withName("kept").get();
          assertThat(updated.getStatus().getPhase()).isEqualTo(Phase.Approved);
          assertThat(updated.getSpec().getSvcKey()).isEqualTo(before.getSpec().getSvcKey());
          assertThat(Long.parseLong(updated.getMetadata().getResourceVersion()))
              .isGreaterThan(Long.parseLong(before.getMetadata().getResourceVersion()));
          assertThat(c.namespaces().withName(NS).get()).isNotNull();
          return null;
        });
  }

  /**
   * A created object gets a random uid, as from an API server, the same in the create's answer, a
   * read and a watch, kept across a restart; a proposal deleted and made again under its name gets
   * another uid, so another action id. The store alone counted them: every action id ended {@code
   * -00000000}, and the second restart wrote no {@code remediation_started} event.
   */
  @Test
  void createdObjectsGetRandomUidsKeptAcrossARestart() throws Exception {
    List<String> watched = new java.util.concurrent.CopyOnWriteArrayList<>();
    String[] uids =
        withCluster(
            c -> {
              var rps = c.resources(RemediationProposal.class).inNamespace(NS);
              try (var w =
                  rps.watch(
                      new io.fabric8.kubernetes.client.Watcher<>() {
                        @Override
                        public void eventReceived(Action a, RemediationProposal p) {
                          if (a == Action.ADDED) {
                            watched.add(p.getMetadata().getUid());
                          }
                        }

                        @Override
                        public void onClose(io.fabric8.kubernetes.client.WatcherException e) {}
                      })) {
                String first = rps.resource(proposal("again")).create().getMetadata().getUid();
                assertThat(rps.withName("again").get().getMetadata().getUid()).isEqualTo(first);
                rps.withName("again").withGracePeriod(0).delete();
                org.awaitility.Awaitility.await().until(() -> rps.withName("again").get() == null);
                String second = rps.resource(proposal("again")).create().getMetadata().getUid();
                String other = rps.resource(proposal("other")).create().getMetadata().getUid();
                org.awaitility.Awaitility.await().until(() -> watched.size() == 3);
                return new String[] {first, second, other};
              }
            });
    assertThat(uids).doesNotHaveDuplicates().allMatch(u -> !u.startsWith("00000000"));
    assertThat(uids)
        .allSatisfy(u -> assertThat(java.util.UUID.fromString(u).version()).isEqualTo(4));
    assertThat(watched).containsExactly(uids);
    String afterRestart =
        withCluster(
            c ->
                c.resources(RemediationProposal.class)
                    .inNamespace(NS)
                    .withName("other")
                    .get()
                    .getMetadata()
                    .getUid());
    assertThat(afterRestart).isEqualTo(uids[2]);
  }

  @Test
  void newObjectsGetResourceVersionsAboveEveryStoredOne() {
    String old =
        withCluster(
            c ->
                c.resources(RemediationProposal.class)
                    .resource(proposal("old"))
                    .create()
                    .getMetadata()
                    .getResourceVersion());
    try (LocalCluster cluster = LocalCluster.start(TestRedis.freePort(), NS, objects());
        KubernetesClient c = cluster.newClient(NS)) {
      assertThat(cluster.restored()).as("two CRDs, namespace, proposal").isEqualTo(4);
      String created =
          c.resources(RemediationProposal.class)
              .resource(proposal("new"))
              .create()
              .getMetadata()
              .getResourceVersion();
      assertThat(Long.parseLong(created)).isGreaterThan(Long.parseLong(old));
    }
  }

  @Test
  void eventsOlderThanAnHourAreDroppedAtStartLikeAnApiServersEventTtl() {
    withCluster(
        c -> {
          c.v1().events().inNamespace(NS).resource(event("recent", Instant.now())).create();
          c.v1()
              .events()
              .inNamespace(NS)
              .resource(event("stale", Instant.now().minusSeconds(2 * 3600)))
              .create();
          return null;
        });
    List<String> names =
        withCluster(
            c ->
                c.v1().events().inNamespace(NS).list().getItems().stream()
                    .map(e -> e.getMetadata().getName())
                    .toList());
    assertThat(names).containsExactly("recent");
    assertThat(objects().resolve("core/events/default/stale.json")).doesNotExist();
    assertThat(objects().resolve("core/events/default/recent.json")).isRegularFile();
  }

  @Test
  void filesAreLaidOutLikeEtcdKeysAndWrittenAtomically() throws IOException {
    withCluster(c -> c.resources(RemediationProposal.class).resource(proposal("p1")).create());
    assertThat(objects().resolve("remediation.homelab.dev/remediationproposals/default/p1.json"))
        .isRegularFile()
        .content()
        .contains("\"uid\"");
    assertThat(
            objects()
                .resolve(
                    "apiextensions.k8s.io/customresourcedefinitions/_cluster/"
                        + "remediationproposals.remediation.homelab.dev.json"))
        .isRegularFile();
    assertThat(objects().resolve("core/namespaces/_cluster/default.json")).isRegularFile();
    try (Stream<Path> all = Files.walk(objects())) {
      assertThat(all.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
    }
    assertThat(ObjectFiles.fileName("x".repeat(250))).startsWith("~").hasSize(1 + 64 + 5);
  }

  @Test
  void aDamagedStoreStopsStartUpWithAHint() throws IOException {
    withCluster(c -> c.resources(RemediationProposal.class).resource(proposal("p1")).create());
    Path file = objects().resolve("remediation.homelab.dev/remediationproposals/default/p1.json");
    Files.writeString(file, "{not json");
    // A temporary file a crash left behind is no damage: it is removed.
    Path leftover = file.resolveSibling(".p2.json.tmp-0123");
    Files.writeString(leftover, "{");
    assertThatThrownBy(() -> LocalCluster.start(TestRedis.freePort(), NS, objects()))
        .isInstanceOf(LocalStartException.class)
        .hasMessageContaining(file + " is not a stored API object")
        .hasMessageContaining("--fresh");
    assertThat(leftover).doesNotExist();

    new ObjectFiles(objects()).clear();
    assertThat(objects()).doesNotExist();
    List<RemediationProposal> none =
        withCluster(c -> c.resources(RemediationProposal.class).inNamespace(NS).list().getItems());
    assertThat(none).isEmpty();
  }
}
