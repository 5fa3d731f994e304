package dev.homelab.remediation.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** A field selector ({@code a.b=x,c!=y}) evaluated on the JSON of an object. */
record FieldSelector(List<String[]> terms) {
  static FieldSelector parse(String selector) {
    List<String[]> terms = new ArrayList<>();
    for (String term : selector.split(",")) {
      String t = term.trim();
      if (t.isEmpty()) {
        continue;
      }
      int ne = t.indexOf("!=");
      if (ne >= 0) {
        terms.add(new String[] {t.substring(0, ne), "!=", t.substring(ne + 2)});
        continue;
      }
      int eq = t.indexOf("==");
      if (eq >= 0) {
        terms.add(new String[] {t.substring(0, eq), "=", t.substring(eq + 2)});
        continue;
      }
      int e = t.indexOf('=');
      terms.add(
          e < 0
              ? new String[] {t, "=", ""}
              : new String[] {t.substring(0, e), "=", t.substring(e + 1)});
    }
    return new FieldSelector(terms);
  }

  boolean matches(JsonNode o) {
    for (String[] term : terms) {
      JsonNode n = Tables.at(o, term[0].trim());
      String actual = n.isMissingNode() || n.isNull() ? "" : n.asText();
      boolean equal = actual.equals(term[2].trim());
      if (term[1].equals("=") != equal) {
        return false;
      }
    }
    return true;
  }
}
