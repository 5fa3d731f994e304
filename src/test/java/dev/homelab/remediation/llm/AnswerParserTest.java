package dev.homelab.remediation.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AnswerParserTest {
  private static final String VALID =
      "{\"action\":\"restart\",\"reason\":\"crash"
          + " loop\",\"confidence\":0.82,\"requires_human\":true,"
          + "\"target\":\"chelsty/zigbee2mqtt\"}";

  private final AnswerParser parser = new AnswerParser(ProposalSchema.load());

  @Test
  void plainJson() throws Exception {
    ModelAnswer a = parser.parse(VALID, "ollama/llama3.1:8b");
    assertThat(a)
        .isEqualTo(
            new ModelAnswer(
                "restart", "crash loop", 0.82, true, "chelsty/zigbee2mqtt", "ollama/llama3.1:8b"));
  }

  @Test
  void fencedBlock() throws Exception {
    String text = "Here is my proposal:\n```json\n" + VALID + "\n```\nHope this helps.";
    assertThat(parser.parse(text, "m").action()).isEqualTo("restart");
  }

  @Test
  void fencedBlockWithoutLanguage() {
    assertThat(AnswerParser.extractJson("```\n" + VALID + "\n```")).isPresent();
  }

  @Test
  void objectEmbeddedInProse() throws Exception {
    String text =
        "Sure! {not json} The answer is " + VALID + " and {\"action\":\"ignore\"} is wrong.";
    ModelAnswer a = parser.parse(text, "m");
    assertThat(a.action()).isEqualTo("restart");
    assertThat(a.reason()).isEqualTo("crash loop");
  }

  static final String IGNORE =
      "{\"action\":\"ignore\",\"reason\":\"flapping\",\"confidence\":0.9,"
          + "\"requires_human\":false}";

  @Test
  void twoDifferentProposalsSideBySideAreNoAnswer() {
    assertThatThrownBy(() -> parser.parse(IGNORE + " " + VALID, "m"))
        .isInstanceOf(LinkFailure.class)
        .hasMessageStartingWith("2 different proposals in the answer");
    assertThatThrownBy(
            () ->
                parser.parse("```json\n" + IGNORE + "\n```\nor\n```json\n" + VALID + "\n```", "m"))
        .isInstanceOf(LinkFailure.class)
        .hasMessageStartingWith("2 different proposals in the answer");
  }

  @Test
  void theSameProposalTwiceOrBesideAnObjectThatIsNoneIsTheAnswer() throws Exception {
    assertThat(parser.parse(VALID + "\n" + VALID, "m").action()).isEqualTo("restart");
    String sure = IGNORE.replace("0.9", "1");
    assertThat(parser.parse(sure + " " + IGNORE.replace("0.9", "1.0"), "m").action())
        .as("the same confidence written two ways")
        .isEqualTo("ignore");
    assertThat(parser.parse("{\"note\":1} then " + IGNORE, "m").action()).isEqualTo("ignore");
  }

  @Test
  void bracesInsideStringsDoNotConfuseTheScan() {
    String obj =
        "{\"action\":\"notify\",\"reason\":\"saw } and { in"
            + " logs\",\"confidence\":0.4,\"requires_human\":true}";
    Optional<ObjectNode> found = AnswerParser.extractJson("prose " + obj + " more");
    assertThat(found).isPresent();
    assertThat(found.get().get("reason").asText()).isEqualTo("saw } and { in logs");
  }

  @Test
  void balancedEndFindsTheClosingBrace() {
    String s = "x{\"a\":{\"b\":\"}\\\"\"}}y";
    assertThat(AnswerParser.balancedEnd(s, 1)).isEqualTo(s.length() - 2);
    assertThat(AnswerParser.balancedEnd("{ never closed", 0)).isEqualTo(-1);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"not json at all", "[1,2,3]", "{\"action\": \"restart\",", "\"restart\"", "   "})
  void noJsonObjectFails(String text) {
    assertThatThrownBy(() -> parser.parse(text, "m")).isInstanceOf(LinkFailure.class);
  }

  @Test
  void duplicateKeysAreRejected() {
    String text =
        "{\"action\":\"notify\",\"action\":\"restart\",\"reason\":\"r\",\"confidence\":0.5,\"requires_human\":false}";
    assertThatThrownBy(() -> parser.parse(text, "m"))
        .isInstanceOf(LinkFailure.class)
        .hasMessageContaining("no JSON object");
  }

  @Test
  void unknownAction() {
    assertThatThrownBy(() -> parser.parse(VALID.replace("restart", "reboot"), "m"))
        .isInstanceOf(LinkFailure.class)
        .hasMessageContaining("schema")
        .hasMessageContaining("action");
  }

  @Test
  void confidenceAboveOne() {
    assertThatThrownBy(() -> parser.parse(VALID.replace("0.82", "1.7"), "m"))
        .isInstanceOf(LinkFailure.class)
        .hasMessageContaining("confidence");
  }

  @Test
  void confidenceAsString() {
    assertThatThrownBy(() -> parser.parse(VALID.replace("0.82", "\"0.82\""), "m"))
        .hasMessageContaining("confidence");
  }

  @Test
  void missingReason() {
    assertThatThrownBy(
            () ->
                parser.parse(
                    "{\"action\":\"notify\",\"confidence\":0.5,\"requires_human\":true}", "m"))
        .isInstanceOf(LinkFailure.class)
        .hasMessageContaining("reason");
  }

  @Test
  void blankReason() {
    assertThatThrownBy(() -> parser.parse(VALID.replace("crash loop", "   "), "m"))
        .hasMessageContaining("reason");
  }

  @Test
  void requiresHumanMustBeBoolean() {
    assertThatThrownBy(
            () ->
                parser.parse(
                    VALID.replace("\"requires_human\":true", "\"requires_human\":\"no\""), "m"))
        .hasMessageContaining("requires_human");
  }

  @Test
  void targetMustBeAStringWhenPresent() {
    assertThatThrownBy(() -> parser.parse(VALID.replace("\"chelsty/zigbee2mqtt\"", "42"), "m"))
        .hasMessageContaining("target");
  }

  @Test
  void schemaViolationInAFenceIsStillAViolation() {
    assertThatThrownBy(
            () -> parser.parse("```json\n" + VALID.replace("0.82", "-0.1") + "\n```", "m"))
        .hasMessageContaining("confidence");
  }

  @Test
  void extraPropertiesAreAllowedAndTargetIsOptional() throws Exception {
    ModelAnswer a =
        parser.parse(
            "{\"action\":\"ignore\",\"reason\":\" flapping"
                + " \",\"confidence\":1,\"requires_human\":false,\"why\":\"x\"}",
            "m");
    assertThat(a.target()).isNull();
    assertThat(a.reason()).isEqualTo("flapping");
    assertThat(a.confidence()).isEqualTo(1.0);
  }

  @Test
  void nullOrBlankTargetMeansNone() throws Exception {
    assertThat(parser.parse(VALID.replace("\"chelsty/zigbee2mqtt\"", "null"), "m").target())
        .isNull();
    assertThat(parser.parse(VALID.replace("\"chelsty/zigbee2mqtt\"", "\" \""), "m").target())
        .isNull();
  }

  @Test
  void longReasonIsCut() throws Exception {
    ModelAnswer a = parser.parse(VALID.replace("crash loop", "x".repeat(5000)), "m");
    assertThat(a.reason()).hasSize(ModelAnswer.MAX_REASON_CHARS).endsWith("…");
  }

  @Test
  void hugeAnswerIsRejectedUnparsed() {
    String huge = VALID + " ".repeat(AnswerParser.MAX_ANSWER_CHARS);
    assertThatThrownBy(() -> parser.parse(huge, "m")).hasMessageContaining("too long");
  }

  @Test
  void manyUnclosedBracesEndQuickly() {
    String text = "{".repeat(AnswerParser.MAX_ANSWER_CHARS - 10);
    long start = System.nanoTime();
    assertThatThrownBy(() -> parser.parse(text, "m")).isInstanceOf(LinkFailure.class);
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
  }

  @Test
  void violationsListEveryProblem() {
    assertThat(
            ProposalSchema.load()
                .violations(TestEvents.json("{\"action\":\"reboot\",\"confidence\":1.7}")))
        .hasSizeGreaterThanOrEqualTo(3)
        .anySatisfy(v -> assertThat(v).contains("action"))
        .anySatisfy(v -> assertThat(v).contains("confidence"))
        .anySatisfy(v -> assertThat(v).contains("reason"));
  }
}
