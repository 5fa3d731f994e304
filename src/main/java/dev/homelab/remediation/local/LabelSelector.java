package dev.homelab.remediation.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A label selector as the API server reads it, evaluated on an object's {@code metadata.labels}:
 * requirements joined by commas, each {@code key}, {@code !key}, {@code key=v}, {@code key==v},
 * {@code key!=v}, {@code key in (a,b)} or {@code key notin (a,b)}. The Fabric8 store behind local
 * mode knows only the first five and ignores the others with a warning, so {@code kubectl delete rp
 * -l 'node in (x)'} matched, and deleted, every proposal.
 */
record LabelSelector(List<Requirement> requirements) {
  /** One requirement: {@code op} is one of exists, !exists, =, !=, in, notin. */
  record Requirement(String key, String op, Set<String> values) {
    boolean matches(JsonNode labels) {
      JsonNode v = labels.get(key);
      String value = v == null || v.isNull() ? null : v.asText();
      return switch (op) {
        case "exists" -> value != null;
        case "!exists" -> value == null;
        case "=", "in" -> value != null && values.contains(value);
        default -> value == null || !values.contains(value); // != and notin
      };
    }
  }

  static final LabelSelector EVERYTHING = new LabelSelector(List.of());

  /**
   * @throws IllegalArgumentException naming the requirement that cannot be read
   */
  static LabelSelector parse(String selector) {
    if (selector == null || selector.isBlank()) {
      return EVERYTHING;
    }
    List<Requirement> out = new ArrayList<>();
    for (String term : split(selector)) {
      out.add(requirement(term.trim(), selector));
    }
    return new LabelSelector(List.copyOf(out));
  }

  /** True when it holds a requirement the Fabric8 store would ignore (in, notin). */
  boolean setBased() {
    return requirements.stream().anyMatch(r -> r.op().equals("in") || r.op().equals("notin"));
  }

  boolean matches(JsonNode object) {
    JsonNode labels = object.path("metadata").path("labels");
    return requirements.stream().allMatch(r -> r.matches(labels));
  }

  /** The requirements: commas outside parentheses. */
  private static List<String> split(String s) {
    List<String> terms = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        terms.add(s.substring(start, i));
        start = i + 1;
      }
    }
    terms.add(s.substring(start));
    return terms;
  }

  private static Requirement requirement(String t, String selector) {
    String[] set = t.split("\\s+(?=(in|notin)\\s*\\()", 2);
    if (set.length == 2) {
      String rest = set[1].trim();
      String op = rest.startsWith("notin") ? "notin" : "in";
      String list = rest.substring(op.length()).trim();
      if (!list.startsWith("(") || !list.endsWith(")")) {
        throw bad(t, selector);
      }
      Set<String> values = new java.util.LinkedHashSet<>();
      for (String v : list.substring(1, list.length() - 1).split(",")) {
        if (!v.isBlank()) {
          values.add(v.trim());
        }
      }
      return new Requirement(key(set[0], t, selector), op, values);
    }
    int ne = t.indexOf("!=");
    if (ne > 0) {
      return new Requirement(
          key(t.substring(0, ne), t, selector), "!=", Set.of(t.substring(ne + 2).trim()));
    }
    int eq = t.indexOf('=');
    if (eq > 0) {
      String v = t.startsWith("==", eq) ? t.substring(eq + 2) : t.substring(eq + 1);
      return new Requirement(key(t.substring(0, eq), t, selector), "=", Set.of(v.trim()));
    }
    if (t.startsWith("!")) {
      return new Requirement(key(t.substring(1), t, selector), "!exists", Set.of());
    }
    return new Requirement(key(t, t, selector), "exists", Set.of());
  }

  private static String key(String raw, String term, String selector) {
    String k = raw.trim();
    if (k.isEmpty() || !k.matches("[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?")) {
      throw bad(term, selector);
    }
    return k;
  }

  private static IllegalArgumentException bad(String term, String selector) {
    return new IllegalArgumentException(
        "unable to parse requirement \"" + term + "\" of the label selector \"" + selector + "\"");
  }
}
