package dev.homelab.remediation.dispatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.homelab.remediation.decision.Names;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The executor-compatible files of SPEC section 7, written atomically into the two directories.
 * File names come only from the validated action id; a name that is not safe is refused.
 */
public final class FileDispatcher implements Dispatcher {
  public static final String SOURCE = "remediation-operator";
  private static final DateTimeFormatter EVENT_NAME_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter EVENT_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final Path pendingDir;
  private final Path eventsDir;
  private final Supplier<String> nodeName;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);

  public FileDispatcher(Path pendingDir, Path eventsDir, Supplier<String> nodeName, Clock clock) {
    this.pendingDir = pendingDir.toAbsolutePath().normalize();
    this.eventsDir = eventsDir.toAbsolutePath().normalize();
    this.nodeName = nodeName;
    this.clock = clock;
  }

  /** The stable action id of a proposal: its name and the start of its uid. */
  public static String actionId(String proposalName, String uid) {
    String u = uid == null ? "" : uid.replace("-", "").toLowerCase(java.util.Locale.ROOT);
    return proposalName
        + "-"
        + (u.length() >= 8 ? u.substring(0, 8) : Names.sha256Hex(proposalName).substring(0, 8));
  }

  @Override
  public Written dispatch(PendingAction a) throws IOException {
    if (!Names.ACTION_ID.matcher(a.actionId()).matches()
        || a.actionId().length() > Names.MAX_ACTION_ID) {
      throw new IOException("refusing unsafe action id '" + a.actionId() + "'");
    }
    Path pending = inside(pendingDir, a.actionId() + ".json");
    boolean pendingWasThere = Files.exists(pending);
    Optional<Path> existing = existingEvent(a.actionId());
    // Both files are written in full first, under hidden names: a full disk or a read-only
    // directory fails here, before an executor can see anything. Then the pending action is
    // renamed into place, then its event.
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    Path event =
        existing.orElse(
            inside(
                eventsDir,
                EVENT_NAME_TIME.format(now) + "-remediation_started-" + a.actionId() + ".json"));
    String ts = existing.isPresent() ? null : EVENT_TIME.format(now);
    AtomicFiles.Prepared pendingFile = AtomicFiles.prepare(pending, pendingActionJson(a));
    AtomicFiles.Prepared eventFile;
    try {
      eventFile = existing.isPresent() ? null : AtomicFiles.prepare(event, eventJson(a, ts));
    } catch (IOException | RuntimeException e) {
      pendingFile.discard();
      throw e;
    }
    try {
      pendingFile.commit();
    } catch (IOException | RuntimeException e) {
      if (eventFile != null) {
        eventFile.discard();
      }
      throw e;
    }
    if (eventFile != null) {
      try {
        eventFile.commit();
      } catch (IOException | RuntimeException e) {
        // No pending action without its event: the one this call wrote goes again (the retry
        // writes both). One a crash left behind stays: it may be in an executor's hands already.
        if (!pendingWasThere) {
          try {
            Files.deleteIfExists(pending);
          } catch (IOException cleanup) {
            e.addSuppressed(cleanup);
          }
        }
        throw e;
      }
    }
    return new Written(pending, event, ts);
  }

  private static Path inside(Path dir, String fileName) throws IOException {
    Path p = dir.resolve(fileName).normalize();
    if (!p.getParent().equals(dir)) {
      throw new IOException("refusing to write outside " + dir + ": " + fileName);
    }
    return p;
  }

  private Optional<Path> existingEvent(String actionId) throws IOException {
    if (!Files.isDirectory(eventsDir)) {
      return Optional.empty();
    }
    String suffix = "-remediation_started-" + actionId + ".json";
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(eventsDir, "*" + suffix)) {
      for (Path p : ds) {
        if (p.getFileName().toString().endsWith(suffix)
            && !p.getFileName().toString().startsWith(".")
            && Files.isRegularFile(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  byte[] pendingActionJson(PendingAction a) throws JsonProcessingException {
    ObjectNode o = json.createObjectNode();
    o.put("schema_version", 1);
    o.put("id", a.actionId());
    o.put("type", a.type());
    o.put("node", a.node());
    o.put("service", a.service());
    o.put("svc_key", a.svcKey());
    o.put("reason", a.reason());
    o.put("confidence", a.confidence());
    o.put("requires_human", a.requiresHuman());
    o.put("approved_by", a.approvedBy());
    o.put("proposed_by", SOURCE);
    o.put("model", a.model());
    o.put("created_at", a.createdAt());
    ObjectNode proposal = o.putObject("proposal");
    proposal.put("namespace", a.namespace());
    proposal.put("name", a.proposalName());
    proposal.put("uid", a.proposalUid());
    o.set("event", a.event());
    return (json.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  byte[] eventJson(PendingAction a, String timestamp) throws JsonProcessingException {
    ObjectNode o = json.createObjectNode();
    o.put("schema_version", 1);
    o.put("type", "remediation_started");
    o.put("node", nodeName.get());
    o.put("source", SOURCE);
    o.put("timestamp", timestamp);
    ObjectNode data = o.putObject("data");
    data.put("action_id", a.actionId());
    data.put("svc_key", a.svcKey());
    data.put("action", a.action());
    data.put("executor_type", a.type());
    data.put("requires_human", a.requiresHuman());
    data.put("proposal", a.namespace() + "/" + a.proposalName());
    return (json.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }
}
