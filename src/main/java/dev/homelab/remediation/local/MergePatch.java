package dev.homelab.remediation.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * A JSON merge patch (RFC 7386) as the API server applies one: an object merges key by key, a null
 * removes its key, anything else (a list included) replaces what was there. The Fabric8 CRUD store
 * merges with Jackson's readerForUpdating, which appends lists and keeps nulls, so a status patch's
 * conditions would pile up there.
 */
final class MergePatch {
  private MergePatch() {}

  /** {@code target} with {@code patch} applied; {@code target} itself is not changed. */
  static JsonNode apply(JsonNode target, JsonNode patch) {
    return merge(target == null ? null : target.deepCopy(), patch);
  }

  /** Merges {@code patch} into {@code target}, which it may change, and returns the result. */
  private static JsonNode merge(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode result =
        target != null && target.isObject()
            ? (ObjectNode) target
            : JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNull()) {
        result.remove(e.getKey());
      } else {
        result.set(e.getKey(), merge(result.get(e.getKey()), e.getValue()));
      }
    }
    return result;
  }
}
