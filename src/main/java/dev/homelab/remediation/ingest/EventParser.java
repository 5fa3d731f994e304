package dev.homelab.remediation.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.homelab.remediation.decision.HealthEvent;
import dev.homelab.remediation.decision.Names;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns one Redis message into a {@link ParseOutcome}: both event shapes of SPEC section 2,
 * normalised, or the reason it was rejected. Pure apart from reading bytes; thread-safe.
 */
public final class EventParser {
  public static final Set<String> BENIGN_TYPES =
      Set.of(
          "service_healthy",
          "service_recovered",
          "node_online",
          "container_started",
          "heartbeat",
          "check_passed");

  private static final Set<String> KNOWN_FIELDS =
      Set.of(
          "event_type",
          "type",
          "node",
          "service",
          "severity",
          "message",
          "details",
          "data",
          "timestamp",
          "ts",
          "svc_key");

  private final ObjectMapper mapper;
  private final int maxBytes;

  public EventParser(int maxBytes) {
    this.maxBytes = maxBytes;
    this.mapper = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  /** The largest message it reads; larger ones are rejected as too large. */
  public int maxBytes() {
    return maxBytes;
  }

  public ParseOutcome parse(byte[] payload, String channel, Instant receivedAt) {
    if (payload.length > maxBytes) {
      return reject(RejectReason.TOO_LARGE, payload.length + " bytes > limit " + maxBytes);
    }
    int bytes = Utf8.check(payload);
    if (bytes == Utf8.INVALID) {
      return reject(RejectReason.NOT_UTF8, "payload is not valid UTF-8");
    }
    if (bytes == Utf8.NUL_OR_BOM) {
      // Read as text these are not JSON; Jackson reading bytes would take a BOM, or a NUL as a
      // hint of UTF-16/32, and accept what SPEC 2 (a UTF-8 JSON object) does not.
      return reject(RejectReason.NOT_JSON, "a NUL byte or a byte-order mark is not JSON text");
    }
    JsonNode root;
    try {
      root = mapper.readTree(payload); // bytes straight to Jackson: no String built first
    } catch (JsonProcessingException e) {
      return reject(RejectReason.NOT_JSON, firstLine(e.getOriginalMessage()));
    } catch (java.io.IOException e) {
      return reject(RejectReason.NOT_JSON, firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      return reject(
          RejectReason.NOT_OBJECT, "top level is " + (root == null ? "empty" : root.getNodeType()));
    }
    return normalise((ObjectNode) root, payload, channel, receivedAt);
  }

  private ParseOutcome normalise(ObjectNode o, byte[] payload, String channel, Instant receivedAt) {
    // event_type (A) or type (B); an empty event_type leaves the choice to type, as for names.
    JsonNode eventTypeNode = o.get("event_type");
    boolean fromEventType =
        eventTypeNode != null
            && !eventTypeNode.isNull()
            && !(eventTypeNode.isTextual()
                && eventTypeNode.asText().trim().isEmpty()
                && o.hasNonNull("type"));
    JsonNode typeNode = fromEventType ? eventTypeNode : o.get("type");
    if (typeNode == null || typeNode.isNull()) {
      return reject(RejectReason.NO_EVENT_TYPE, "neither event_type nor type is set");
    }
    if (!typeNode.isTextual()) {
      return reject(RejectReason.BAD_EVENT_TYPE, "event type is not a string");
    }
    String type = typeNode.asText().trim().toLowerCase(Locale.ROOT);
    if (!eventType(type)) {
      return reject(
          RejectReason.BAD_EVENT_TYPE,
          "event type " + quote(type) + " is empty, too long or has control characters");
    }
    boolean benign = BENIGN_TYPES.contains(type);

    JsonNode data = o.get("data");
    JsonNode svcKeyNode = o.get("svc_key");
    String keyNode = null;
    String keyService = null;
    if (svcKeyNode != null && !svcKeyNode.isNull()) {
      if (!svcKeyNode.isTextual()) {
        return reject(RejectReason.BAD_NAME, "svc_key is not a string");
      }
      String k = svcKeyNode.asText();
      int slash = k.indexOf('/');
      keyNode = slash < 0 ? k : k.substring(0, slash);
      keyService = slash < 0 ? null : k.substring(slash + 1);
    }

    Field nodeField = pick(o.get("node"), data == null ? null : data.get("node"), keyNode);
    if (nodeField.bad) {
      return reject(RejectReason.BAD_NAME, "node is not a string");
    }
    if (nodeField.value == null || nodeField.value.isEmpty()) {
      return reject(RejectReason.NO_NODE, "no node in node, data.node or svc_key");
    }
    Optional<String> node = Names.normalise(nodeField.value);
    if (node.isEmpty()) {
      return reject(
          RejectReason.BAD_NAME, "node " + quote(nodeField.value) + " is not DNS-1123-like");
    }

    Field serviceField =
        pick(o.get("service"), data == null ? null : data.get("service"), keyService);
    if (serviceField.bad) {
      return reject(RejectReason.BAD_NAME, "service is not a string");
    }
    Optional<String> service = Optional.empty();
    if (serviceField.value != null && !serviceField.value.isEmpty()) {
      service = Names.normalise(serviceField.value);
      if (service.isEmpty()) {
        return reject(
            RejectReason.BAD_NAME,
            "service " + quote(serviceField.value) + " is not DNS-1123-like");
      }
    }

    // timestamp (A), else ts (B): one that is missing or no time leaves it to the other.
    Optional<Instant> stamped = Timestamps.parse(o.get("timestamp"));
    Optional<Instant> observed = stamped.isPresent() ? stamped : Timestamps.parse(o.get("ts"));
    if (benign) {
      return new ParseOutcome.Benign(
          type, Names.svcKey(node.get(), service), observed.orElse(receivedAt));
    }
    String severity =
        textOr(o.get("severity"), data == null ? null : data.get("severity"), "warning");
    String message = textOr(o.get("message"), data == null ? null : data.get("reason"), null);
    JsonNode details = o.hasNonNull("details") ? o.get("details") : data;

    ObjectNode extra = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      // A message or severity that is an object or a list is no text to show, but it is kept.
      boolean unread =
          f.getValue().isContainerNode()
              && ("message".equals(f.getKey()) || "severity".equals(f.getKey()));
      // type and ts beside the fields that were read instead are the sender's own: kept.
      boolean unused =
          ("type".equals(f.getKey()) && fromEventType)
              || ("ts".equals(f.getKey()) && stamped.isPresent());
      if (!KNOWN_FIELDS.contains(f.getKey()) || unread || unused) {
        if (extra == null) {
          extra = mapper.createObjectNode();
        }
        extra.set(f.getKey(), f.getValue());
      }
    }
    if (o.has("details") && data != null && !data.isNull()) {
      if (extra == null) {
        extra = mapper.createObjectNode();
      }
      extra.set("data", data);
    }

    return new ParseOutcome.Accepted(
        new HealthEvent(
            type,
            node.get(),
            service,
            Names.svcKey(node.get(), service),
            severity.trim().toLowerCase(Locale.ROOT),
            message,
            channel,
            observed.orElse(receivedAt),
            observed.isPresent(),
            details == null || details.isNull() ? null : details,
            extra,
            receivedAt,
            // Only an event without its own time needs the payload to identify its incident.
            observed.isPresent() ? null : Names.sha256Hex(payload).substring(0, 16)));
  }

  /**
   * Any printable type, case-folded, at most 128 characters (unknown types are actionable): the
   * pattern {@code [^\p{Cntrl}]{1,128}} as a loop, since it runs for every event.
   */
  static boolean eventType(String t) {
    int points = t.codePointCount(0, t.length());
    if (points < 1 || points > 128) {
      return false;
    }
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  private record Field(String value, boolean bad) {}

  /** The first of the candidates that is set; a set value that is not a string is bad. */
  private static Field pick(JsonNode first, JsonNode second, String third) {
    for (JsonNode n : new JsonNode[] {first, second}) {
      if (n == null || n.isNull()) {
        continue;
      }
      if (!n.isTextual()) {
        return new Field(null, true);
      }
      if (!n.asText().isEmpty()) {
        return new Field(n.asText(), false);
      }
    }
    return new Field(third, false);
  }

  private static String textOr(JsonNode first, JsonNode second, String fallback) {
    for (JsonNode n : new JsonNode[] {first, second}) {
      if (n != null && !n.isNull() && !n.isContainerNode()) {
        String s = n.asText();
        if (!s.isBlank()) {
          return s;
        }
      }
    }
    return fallback;
  }

  private static ParseOutcome reject(RejectReason reason, String detail) {
    return new ParseOutcome.Rejected(reason, detail);
  }

  /** Quotes a user-supplied value for a log line, with control characters escaped and bounded. */
  static String quote(String raw) {
    StringBuilder sb = new StringBuilder("'");
    int limit = Math.min(raw.length(), 80);
    for (int i = 0; i < limit; i++) {
      char c = raw.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (raw.length() > limit) {
      sb.append("...");
    }
    return sb.append('\'').toString();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "invalid JSON";
    }
    int nl = s.indexOf('\n');
    return quote(nl < 0 ? s : s.substring(0, nl)).replace("'", "");
  }
}
