package dev.homelab.remediation.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.homelab.remediation.decision.Names;
import dev.homelab.remediation.support.JsonSchemas;
import dev.homelab.remediation.support.ReadOnlyDirs;
import dev.homelab.remediation.support.TestClock;
import dev.homelab.remediation.support.Tmpfs;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileDispatcherTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  Path pending;
  Path events;
  final AtomicReference<String> node = new AtomicReference<>("solaria");
  FileDispatcher dispatcher;

  @BeforeEach
  void setUp() throws IOException {
    pending = Files.createDirectories(tmp.resolve("pending"));
    events = Files.createDirectories(tmp.resolve("events"));
    dispatcher = new FileDispatcher(pending, events, node::get, new TestClock());
  }

  static PendingAction action(String id) {
    var event = JSON.createObjectNode();
    event.put("event_type", "service_unhealthy");
    event.put("node", "chelsty");
    event.put("service", "zigbee2mqtt");
    event.put("svc_key", "chelsty/zigbee2mqtt");
    event.put("severity", "warning");
    event.put("observed_at", "2026-05-27T15:11:39.123Z");
    return new PendingAction(
        id,
        "restart_service",
        "restart",
        "chelsty",
        "zigbee2mqtt",
        "chelsty/zigbee2mqtt",
        "crash loop",
        0.82,
        true,
        "annotation:alice",
        "ollama/llama3.1:8b",
        "2026-05-27T17:11:40Z",
        "homelab",
        "chelsty-zigbee2mqtt-abc",
        "3f1c9a2e-0000-4000-8000-000000000000",
        event);
  }

  List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  @Test
  void writesBothFilesInTheDocumentedShape() throws IOException {
    Dispatcher.Written w = dispatcher.dispatch(action("chelsty-zigbee2mqtt-abc-3f1c9a2e"));
    assertThat(w.pendingAction())
        .isEqualTo(pending.resolve("chelsty-zigbee2mqtt-abc-3f1c9a2e.json"));
    assertThat(JsonSchemas.errors("pending-action.schema.json", w.pendingAction())).isEmpty();
    assertThat(JsonSchemas.errors("remediation-event.schema.json", w.event())).isEmpty();
    var a = JSON.readTree(Files.readString(w.pendingAction()));
    assertThat(a.fieldNames())
        .toIterable()
        .containsExactly(
            "schema_version",
            "id",
            "type",
            "node",
            "service",
            "svc_key",
            "reason",
            "confidence",
            "requires_human",
            "approved_by",
            "proposed_by",
            "model",
            "created_at",
            "proposal",
            "event");
    assertThat(a.get("proposed_by").asText()).isEqualTo("remediation-operator");
    var e = JSON.readTree(Files.readString(w.event()));
    assertThat(e.fieldNames())
        .toIterable()
        .containsExactly("schema_version", "type", "node", "source", "timestamp", "data");
    assertThat(e.get("data").fieldNames())
        .toIterable()
        .containsExactly(
            "action_id", "svc_key", "action", "executor_type", "requires_human", "proposal");
    assertThat(e.get("data").get("proposal").asText()).isEqualTo("homelab/chelsty-zigbee2mqtt-abc");
  }

  @Test
  void nodeNameIsReadWhenTheEventIsEmitted() throws IOException {
    node.set("nova");
    Dispatcher.Written w = dispatcher.dispatch(action("a-1"));
    assertThat(JSON.readTree(Files.readString(w.event())).get("node").asText()).isEqualTo("nova");
  }

  @Test
  void aRetryRewritesThePendingActionAndNeverEmitsASecondEvent() throws IOException {
    Dispatcher.Written first = dispatcher.dispatch(action("a-1"));
    byte[] content = Files.readAllBytes(first.pendingAction());
    Dispatcher.Written second = dispatcher.dispatch(action("a-1"));
    assertThat(second.event()).isEqualTo(first.event());
    assertThat(list(pending)).hasSize(1);
    assertThat(list(events)).hasSize(1);
    assertThat(Files.readAllBytes(second.pendingAction())).isEqualTo(content);
  }

  @Test
  void aFailedEventWriteTakesBackThePendingActionAndTheRetryWritesBoth() throws IOException {
    Files.delete(events);
    assertThatThrownBy(() -> dispatcher.dispatch(action("a-1"))).isInstanceOf(IOException.class);
    assertThat(list(pending)).isEmpty(); // nothing for an executor to act on without its event
    Files.createDirectories(events);
    dispatcher.dispatch(action("a-1"));
    assertThat(list(pending)).hasSize(1);
    assertThat(list(events)).hasSize(1);
  }

  @Test
  void aReadOnlyEventsDirectoryLeavesNoPendingAction() throws IOException {
    assumeTrue(ReadOnlyDirs.makeReadOnly(events), "cannot make a directory read-only here");
    try {
      assertThatThrownBy(() -> dispatcher.dispatch(action("a-1"))).isInstanceOf(IOException.class);
      assertThatThrownBy(() -> dispatcher.dispatch(action("a-1"))).isInstanceOf(IOException.class);
      assertThat(list(pending)).isEmpty();
      assertThat(list(events)).isEmpty();
    } finally {
      ReadOnlyDirs.makeWritable(events);
    }
  }

  /**
   * An executor watching the directory: a dispatch whose event cannot be written never shows it a
   * pending action, not even for a moment (both files are written under hidden names first).
   */
  @Test
  void anExecutorWatchingTheDirectoryNeverSeesThePendingActionOfAFailedDispatch() throws Exception {
    Files.delete(events);
    try (WatchService watch = FileSystems.getDefault().newWatchService()) {
      pending.register(watch, StandardWatchEventKinds.ENTRY_CREATE); // a rename in is one too
      assertThatThrownBy(() -> dispatcher.dispatch(action("a-1"))).isInstanceOf(IOException.class);
      Files.createDirectories(events);
      dispatcher.dispatch(action("a-2")); // seen: the watch works
      List<String> seen = new ArrayList<>();
      WatchKey key;
      while ((key = watch.poll(500, TimeUnit.MILLISECONDS)) != null) {
        for (WatchEvent<?> e : key.pollEvents()) {
          String name = String.valueOf(e.context());
          if (!name.startsWith(".")) {
            seen.add(name);
          }
        }
        key.reset();
      }
      assertThat(seen).contains("a-2.json").doesNotContain("a-1.json");
    }
  }

  /** The event's rename itself fails (its name taken by a directory): the pending action goes. */
  @Test
  void anEventThatCannotBeRenamedIntoPlaceTakesThePendingActionBack() throws IOException {
    java.time.Instant now = java.time.Instant.parse("2026-05-27T17:11:40.120Z");
    FileDispatcher fixed =
        new FileDispatcher(
            pending, events, node::get, java.time.Clock.fixed(now, java.time.ZoneOffset.UTC));
    String name =
        java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
                .withZone(java.time.ZoneOffset.UTC)
                .format(now)
            + "-remediation_started-a-1.json";
    Path taken = Files.createDirectories(events.resolve(name));
    Files.writeString(taken.resolve("inside"), "x"); // a non-empty directory: no rename over it
    assertThatThrownBy(() -> fixed.dispatch(action("a-1"))).isInstanceOf(IOException.class);
    assertThat(list(pending)).isEmpty();
    try (Stream<Path> left = Files.list(events)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("no temporary file left behind")
          .containsExactly(name);
    }
  }

  @Test
  void crashBetweenTheTwoWritesLeavesOneOfEachAfterTheRetry() throws IOException {
    // A crash after the pending action: the file is there, its event is not.
    Files.write(pending.resolve("a-1.json"), dispatcher.pendingActionJson(action("a-1")));
    Files.delete(events);
    assertThatThrownBy(() -> dispatcher.dispatch(action("a-1"))).isInstanceOf(IOException.class);
    assertThat(list(pending)).hasSize(1); // not this call's: it may be in an executor's hands
    Files.createDirectories(events);
    dispatcher.dispatch(action("a-1"));
    assertThat(list(pending)).hasSize(1);
    assertThat(list(events)).hasSize(1);
  }

  @Test
  void readOnlyDirectoryFailsWithoutAPartialFile() throws IOException {
    assumeTrue(ReadOnlyDirs.makeReadOnly(pending), "cannot make a directory read-only here");
    try {
      assertThatThrownBy(() -> dispatcher.dispatch(action("a-1"))).isInstanceOf(IOException.class);
      assertThat(list(pending)).isEmpty();
      assertThat(list(events)).isEmpty();
    } finally {
      ReadOnlyDirs.makeWritable(pending);
    }
    dispatcher.dispatch(action("a-1"));
    assertThat(list(pending)).hasSize(1);
  }

  @Test
  void fullDiskFailsWithoutAPartialFileAndSucceedsOnceThereIsRoom() throws Exception {
    Path small = Files.createDirectories(tmp.resolve("small"));
    try (Tmpfs mounted = Tmpfs.mount(small, "size=8k")) {
      Path full = Files.createDirectories(small.resolve("pending"));
      Path filler = small.resolve("filler");
      try {
        Files.write(filler, new byte[8 * 1024]);
      } catch (IOException expected) {
        // the file system is full now
      }
      FileDispatcher onFull = new FileDispatcher(full, events, node::get, new TestClock());
      assertThatThrownBy(() -> onFull.dispatch(action("a-1"))).isInstanceOf(IOException.class);
      assertThat(list(full)).isEmpty();
      assertThat(list(events)).isEmpty();
      Files.delete(filler);
      onFull.dispatch(action("a-1"));
      assertThat(list(full)).hasSize(1);
      assertThat(JsonSchemas.errors("pending-action.schema.json", list(full).get(0))).isEmpty();
    }
  }

  @Test
  void vanishedDirectoryFailsClearly() throws IOException {
    Files.delete(pending);
    assertThatThrownBy(() -> dispatcher.dispatch(action("a-1")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("does not exist");
    assertThat(list(events)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"../escape", "a/b", "..", "", "UPPER", "a b", "-x", "x\u0000y", "/abs"})
  void unsafeActionIdsAreRefused(String id) throws IOException {
    assertThatThrownBy(() -> dispatcher.dispatch(action(id))).isInstanceOf(IOException.class);
    assertThat(list(pending)).isEmpty();
    assertThat(list(events)).isEmpty();
    assertThat(list(tmp)).containsExactlyInAnyOrder(pending, events);
  }

  /**
   * The longest proposal name the phase machine lets through makes an action id whose files, and
   * their hidden temporary names, fit the file system's 255 bytes; one longer is refused here too.
   */
  @Test
  void theLongestActionIdStillFitsItsFileNames() throws IOException {
    String id = FileDispatcher.actionId("a".repeat(Names.MAX_PROPOSAL_NAME), "3f1c9a2e-1111");
    assertThat(id).hasSize(Names.MAX_ACTION_ID);
    dispatcher.dispatch(action(id));
    assertThat(list(pending)).containsExactly(pending.resolve(id + ".json"));
    assertThat(list(events)).hasSize(1);
    assertThatThrownBy(() -> dispatcher.dispatch(action(id + "b")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("refusing unsafe action id");
  }

  @Test
  void actionIdIsStableAndSafe() {
    String id =
        FileDispatcher.actionId(
            "chelsty-zigbee2mqtt-1a2b3c4d5e", "3F1C9A2E-1111-2222-3333-444455556666");
    assertThat(id).isEqualTo("chelsty-zigbee2mqtt-1a2b3c4d5e-3f1c9a2e");
    assertThat(
            FileDispatcher.actionId(
                "chelsty-zigbee2mqtt-1a2b3c4d5e", "3F1C9A2E-1111-2222-3333-444455556666"))
        .isEqualTo(id);
  }

  @Test
  void atomicWriteReplacesWholeFiles() throws IOException {
    Path f = pending.resolve("x.json");
    AtomicFiles.write(f, "one".getBytes());
    AtomicFiles.write(f, "two".getBytes());
    assertThat(Files.readString(f)).isEqualTo("two");
    assertThat(list(pending)).containsExactly(f);
  }
}
