package dev.homelab.remediation.llm;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a model's text into a {@link ModelAnswer}, or says why it cannot: the text must hold a JSON
 * object that validates against the proposal schema. Nothing of the text is used unless it
 * validated. Thread-safe.
 */
final class AnswerParser {

  /** Longer answers are not parsed at all (a proposal is a few hundred bytes). */
  static final int MAX_ANSWER_CHARS = 64 * 1024;

  /**
   * At most this many '{' are tried as the start of an embedded object (keeps parsing linear-ish).
   */
  static final int MAX_EMBEDDED_CANDIDATES = 32;

  private static final int MAX_VIOLATIONS_SHOWN = 3;
  private static final Pattern FENCE =
      Pattern.compile("```[ \\t]*([A-Za-z0-9_-]*)[^\\n]*\\n(.*?)```", Pattern.DOTALL);

  /** Strict: no trailing tokens, no duplicate keys (which of two "action"s would count?). */
  private static final ObjectMapper STRICT =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .build();

  private final ProposalSchema schema;

  AnswerParser(ProposalSchema schema) {
    this.schema = schema;
  }

  /**
   * Parses and validates a model's answer.
   *
   * @param text what the model said
   * @param model the link's name, recorded in the answer
   * @throws LinkFailure when there is no JSON object in the text, or it violates the schema
   */
  ModelAnswer parse(String text, String model) throws LinkFailure {
    if (text == null || text.isBlank()) {
      throw new LinkFailure("empty answer");
    }
    if (text.length() > MAX_ANSWER_CHARS) {
      throw new LinkFailure("answer too long (" + text.length() + " characters)");
    }
    List<ObjectNode> offered = candidates(text);
    if (offered.isEmpty()) {
      throw new LinkFailure("no JSON object in the answer: " + snippet(text));
    }
    // Prose may carry other objects; a proposal is one that validates. Two different ones are
    // two proposals, and which the model meant is not for the operator to guess.
    List<ObjectNode> proposals =
        offered.stream().filter(j -> schema.violations(j).isEmpty()).toList();
    // Compared as answers: 1 and 1.0 are the same confidence.
    long different = proposals.stream().map(j -> toAnswer(j, model)).distinct().count();
    if (different > 1) {
      throw new LinkFailure(different + " different proposals in the answer: " + snippet(text));
    }
    ObjectNode json = proposals.isEmpty() ? offered.get(0) : proposals.get(0);
    List<String> violations = schema.violations(json);
    if (!violations.isEmpty()) {
      List<String> shown = violations.subList(0, Math.min(MAX_VIOLATIONS_SHOWN, violations.size()));
      String more =
          violations.size() > shown.size()
              ? " (+" + (violations.size() - shown.size()) + " more)"
              : "";
      throw new LinkFailure(
          "answer violates the proposal schema: " + String.join("; ", shown) + more);
    }
    return toAnswer(json, model);
  }

  /** Finds the proposal object in a model's text: the first of {@link #candidates}. */
  static Optional<ObjectNode> extractJson(String text) {
    return candidates(text).stream().findFirst();
  }

  /**
   * The JSON objects a model's text offers as its answer, in this order: the whole text is a JSON
   * object; else the fenced code blocks ({@code ```json ... ```} or {@code ``` ... ```}) that hold
   * one; else the balanced {@code {...}} in the text that parse as JSON objects, side by side
   * (trying at most {@value #MAX_EMBEDDED_CANDIDATES} opening braces; one inside another is part of
   * it).
   */
  static List<ObjectNode> candidates(String text) {
    Optional<ObjectNode> whole = parseObject(text.strip());
    if (whole.isPresent()) {
      return List.of(whole.get());
    }
    List<ObjectNode> found = new ArrayList<>();
    Matcher fence = FENCE.matcher(text);
    while (fence.find()) {
      parseObject(fence.group(2).strip()).ifPresent(found::add);
    }
    if (!found.isEmpty()) {
      return found;
    }
    int tried = 0;
    int start = text.indexOf('{');
    while (start >= 0 && tried < MAX_EMBEDDED_CANDIDATES) {
      tried++;
      int end = balancedEnd(text, start);
      Optional<ObjectNode> object =
          end > start ? parseObject(text.substring(start, end + 1)) : Optional.empty();
      if (object.isPresent()) {
        found.add(object.get());
        start = text.indexOf('{', end + 1);
      } else {
        start = text.indexOf('{', start + 1);
      }
    }
    return found;
  }

  /**
   * The index of the brace that closes the one at {@code start}, skipping braces inside JSON
   * strings; -1 when it is never closed.
   */
  static int balancedEnd(String text, int start) {
    int depth = 0;
    boolean inString = false;
    for (int i = start; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{') {
        depth++;
      } else if (c == '}') {
        depth--;
        if (depth == 0) {
          return i;
        }
      }
    }
    return -1;
  }

  private static Optional<ObjectNode> parseObject(String candidate) {
    if (!candidate.startsWith("{")) {
      return Optional.empty();
    }
    try {
      JsonNode node = STRICT.readTree(candidate);
      return node instanceof ObjectNode ? Optional.of((ObjectNode) node) : Optional.empty();
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }

  private static ModelAnswer toAnswer(ObjectNode json, String model) {
    String reason = json.get("reason").asText().strip();
    if (reason.length() > ModelAnswer.MAX_REASON_CHARS) {
      reason = Texts.cut(reason, ModelAnswer.MAX_REASON_CHARS - 1) + "…";
    }
    JsonNode targetNode = json.get("target");
    String target = targetNode == null || targetNode.isNull() ? null : targetNode.asText().strip();
    return new ModelAnswer(
        json.get("action").asText(),
        reason,
        json.get("confidence").asDouble(),
        json.get("requires_human").asBoolean(),
        target == null || target.isEmpty() ? null : target,
        model);
  }

  private static String snippet(String text) {
    String oneLine = text.strip().replaceAll("\\s+", " ");
    return oneLine.length() <= 80 ? "'" + oneLine + "'" : "'" + Texts.cut(oneLine, 80) + "…'";
  }
}
