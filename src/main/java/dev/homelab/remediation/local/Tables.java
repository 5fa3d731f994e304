package dev.homelab.remediation.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Server-side printing as the Kubernetes API server does it ({@code meta.k8s.io/v1 Table}): {@code
 * kubectl get} asks for a Table and prints its columns; given a plain list it can only show NAME
 * and AGE. Proposals and silences get the columns of their CRD ({@code additionalPrinterColumns}),
 * Events the columns of the API server's event printer; other kinds are not tabled (kubectl falls
 * back).
 */
final class Tables {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final String NAME_DESCRIPTION =
      "Name must be unique within a namespace. More info: "
          + "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

  /** One column: its definition and how a cell is computed from the object. */
  record Column(
      String name,
      String type,
      String format,
      int priority,
      String description,
      Function<JsonNode, JsonNode> cell) {}

  private Tables() {}

  /**
   * The columns of a custom resource's CRD (served version), after NAME; simple dotted paths only.
   */
  static List<Column> crdColumns(CustomResourceDefinition crd, String version, Clock clock) {
    List<Column> cols = new ArrayList<>();
    cols.add(nameColumn());
    for (CustomResourceDefinitionVersion v : crd.getSpec().getVersions()) {
      if (!v.getName().equals(version) || v.getAdditionalPrinterColumns() == null) {
        continue;
      }
      for (CustomResourceColumnDefinition c : v.getAdditionalPrinterColumns()) {
        String path = c.getJsonPath();
        String type = c.getType();
        Function<JsonNode, JsonNode> cell =
            "date".equals(type)
                ? o -> age(at(o, path), clock.instant())
                : o -> {
                  JsonNode n = at(o, path);
                  return n.isMissingNode() || n.isNull() ? NullNode.getInstance() : n;
                };
        cols.add(
            new Column(
                c.getName(),
                type,
                c.getFormat() == null ? "" : c.getFormat(),
                c.getPriority() == null ? 0 : c.getPriority(),
                c.getDescription() == null ? "" : c.getDescription(),
                cell));
      }
    }
    return cols;
  }

  /** The columns of the API server's printer for core v1 Events. */
  static List<Column> eventColumns(Clock clock) {
    List<Column> cols = new ArrayList<>();
    cols.add(
        new Column(
            "Last Seen",
            "string",
            "",
            0,
            "Time of the last occurrence.",
            e -> F.textNode(lastSeen(e, clock.instant()))));
    cols.add(
        new Column(
            "Type",
            "string",
            "",
            0,
            "Type of this event (Normal, Warning).",
            e -> text(e, ".type")));
    cols.add(
        new Column(
            "Reason", "string", "", 0, "Why the action was taken.", e -> text(e, ".reason")));
    cols.add(
        new Column(
            "Object",
            "string",
            "",
            0,
            "The object this Event is about.",
            e -> {
              String kind = at(e, ".involvedObject.kind").asText("").toLowerCase(Locale.ROOT);
              String name = at(e, ".involvedObject.name").asText("");
              return F.textNode(name.isEmpty() ? kind : kind + "/" + name);
            }));
    cols.add(
        new Column(
            "Subobject",
            "string",
            "",
            1,
            "Field path in the object.",
            e -> text(e, ".involvedObject.fieldPath")));
    cols.add(
        new Column(
            "Source",
            "string",
            "",
            1,
            "The component reporting this event.",
            e -> {
              String component =
                  firstNonEmpty(
                      at(e, ".source.component").asText(""),
                      at(e, ".reportingComponent").asText(""));
              String host =
                  firstNonEmpty(
                      at(e, ".source.host").asText(""), at(e, ".reportingInstance").asText(""));
              return F.textNode(host.isEmpty() ? component : component + ", " + host);
            }));
    cols.add(
        new Column(
            "Message",
            "string",
            "",
            0,
            "A human-readable description.",
            e -> F.textNode(at(e, ".message").asText("").trim())));
    cols.add(
        new Column(
            "First Seen",
            "string",
            "",
            1,
            "Time of the first occurrence.",
            e -> F.textNode(firstSeen(e, clock.instant()))));
    cols.add(
        new Column(
            "Count",
            "string",
            "",
            1,
            "Number of occurrences.",
            e -> F.numberNode(Math.max(1, at(e, ".count").asLong(1)))));
    cols.add(
        new Column("Name", "string", "name", 1, NAME_DESCRIPTION, e -> text(e, ".metadata.name")));
    return cols;
  }

  /**
   * A Table of these objects. {@code includeObject} is the request's parameter: {@code None},
   * {@code Object}, or (default) {@code Metadata}, which kubectl uses for namespaces and labels.
   */
  static ObjectNode table(
      List<Column> columns, List<JsonNode> objects, String resourceVersion, String includeObject) {
    ObjectNode t = F.objectNode();
    t.put("kind", "Table");
    t.put("apiVersion", "meta.k8s.io/v1");
    ObjectNode meta = t.putObject("metadata");
    if (resourceVersion != null) {
      meta.put("resourceVersion", resourceVersion);
    }
    ArrayNode defs = t.putArray("columnDefinitions");
    for (Column c : columns) {
      defs.addObject()
          .put("name", c.name())
          .put("type", c.type())
          .put("format", c.format())
          .put("description", c.description())
          .put("priority", c.priority());
    }
    ArrayNode rows = t.putArray("rows");
    for (JsonNode o : objects) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Column c : columns) {
        cells.add(c.cell().apply(o));
      }
      if ("Object".equals(includeObject)) {
        row.set("object", o);
      } else if (!"None".equals(includeObject)) {
        ObjectNode partial = row.putObject("object");
        partial.put("kind", "PartialObjectMetadata");
        partial.put("apiVersion", "meta.k8s.io/v1");
        partial.set("metadata", o.path("metadata").deepCopy());
      }
    }
    return t;
  }

  private static Column nameColumn() {
    return new Column(
        "Name", "string", "name", 0, NAME_DESCRIPTION, o -> text(o, ".metadata.name"));
  }

  /** The node at a simple JSON path such as {@code .status.proposal.action}. */
  static JsonNode at(JsonNode o, String path) {
    JsonNode n = o;
    for (String part : path.replaceFirst("^\\.", "").split("\\.")) {
      if (part.isEmpty()) {
        continue;
      }
      n = n.path(part);
    }
    return n;
  }

  private static JsonNode text(JsonNode o, String path) {
    return F.textNode(at(o, path).asText(""));
  }

  private static JsonNode age(JsonNode timestamp, Instant now) {
    Instant t = parse(timestamp.asText(""));
    return t == null ? NullNode.getInstance() : F.textNode(humanDuration(Duration.between(t, now)));
  }

  private static String lastSeen(JsonNode e, Instant now) {
    Instant last = parse(at(e, ".lastTimestamp").asText(""));
    if (at(e, ".series.lastObservedTime").isTextual()) {
      last = parse(at(e, ".series.lastObservedTime").asText());
    }
    return last == null ? firstSeen(e, now) : humanDuration(Duration.between(last, now));
  }

  private static String firstSeen(JsonNode e, Instant now) {
    Instant first = parse(at(e, ".firstTimestamp").asText(""));
    if (first == null) {
      first = parse(at(e, ".eventTime").asText(""));
    }
    return first == null ? "<unknown>" : humanDuration(Duration.between(first, now));
  }

  private static Instant parse(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String firstNonEmpty(String a, String b) {
    return a.isEmpty() ? b : a;
  }

  /** kubectl's short ages (apimachinery {@code duration.HumanDuration}): 45s, 3m12s, 5h, 2d3h. */
  static String humanDuration(Duration d) {
    long seconds = d.getSeconds();
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 60 * 2) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    } else if (minutes < 60 * 3) {
      return minutes + "m";
    }
    long hours = minutes / 60;
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      long dy = (hours / 24) % 365;
      return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
    }
    return hours / 24 / 365 + "y";
  }
}
