package dev.homelab.remediation.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OrderedModelChainTest {

  /** A link that runs a scripted behaviour and counts its calls. */
  private static final class StubLink implements ChainLink {
    interface Behaviour {
      ModelAnswer run() throws LinkFailure, InterruptedException;
    }

    final String name;
    final Behaviour behaviour;
    final AtomicInteger calls = new AtomicInteger();

    StubLink(String name, Behaviour behaviour) {
      this.name = name;
      this.behaviour = behaviour;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public ModelAnswer propose(ProposalRequest request) throws LinkFailure, InterruptedException {
      calls.incrementAndGet();
      return behaviour.run();
    }
  }

  private static ModelAnswer answer(String model) {
    return new ModelAnswer("restart", "r", 0.9, false, null, model);
  }

  @Test
  void firstAnswerWinsAndLaterLinksAreNotAsked() {
    StubLink a = new StubLink("a", () -> answer("a"));
    StubLink b = new StubLink("b", () -> answer("b"));
    ChainResult r = new OrderedModelChain(List.of(a, b)).ask(TestEvents.zigbee());
    assertThat(r).isEqualTo(new ChainResult.Answered(answer("a"), List.of()));
    assertThat(b.calls).hasValue(0);
  }

  @Test
  void failuresAreRecordedInOrderBeforeTheAnswer() {
    StubLink a =
        new StubLink(
            "a",
            () -> {
              throw new LinkFailure("timed out after 1s");
            });
    StubLink b =
        new StubLink(
            "b",
            () -> {
              throw new IllegalStateException("boom");
            });
    StubLink c = new StubLink("c", () -> answer("c"));
    ChainResult r = new OrderedModelChain(List.of(a, b, c)).ask(TestEvents.zigbee());
    assertThat(r).isInstanceOf(ChainResult.Answered.class);
    assertThat(((ChainResult.Answered) r).answer().model()).isEqualTo("c");
    assertThat(r.failures())
        .containsExactly("a: timed out after 1s", "b: unexpected IllegalStateException: boom");
  }

  @Test
  void allFailingGivesOneReasonPerLink() {
    StubLink a =
        new StubLink(
            "a",
            () -> {
              throw new LinkFailure("HTTP 500");
            });
    StubLink b =
        new StubLink(
            "b",
            () -> {
              throw new LinkFailure("no JSON object");
            });
    ChainResult r = new OrderedModelChain(List.of(a, b)).ask(TestEvents.zigbee());
    assertThat(r).isEqualTo(new ChainResult.Failed(List.of("a: HTTP 500", "b: no JSON object")));
    assertThat(((ChainResult.Failed) r).summary()).isEqualTo("a: HTTP 500; b: no JSON object");
  }

  @Test
  void interruptStopsTheWalkAndKeepsTheFlag() {
    StubLink a =
        new StubLink(
            "a",
            () -> {
              throw new InterruptedException();
            });
    StubLink b = new StubLink("b", () -> answer("b"));
    try {
      ChainResult r = new OrderedModelChain(List.of(a, b)).ask(TestEvents.zigbee());
      assertThat(r).isEqualTo(new ChainResult.Failed(List.of("a: interrupted")));
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      assertThat(b.calls).hasValue(0);
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void modelsAreTheLinkNamesInOrder() {
    ModelChain chain =
        new OrderedModelChain(
            List.of(new StubLink("ollama/x:1", () -> answer("x")), new RulesProposer()));
    assertThat(chain.models()).containsExactly("ollama/x:1", "rules");
  }

  @Test
  void resultsAreImmutable() {
    ChainResult r = new ChainResult.Failed(new java.util.ArrayList<>(List.of("a: x")));
    assertThatThrownBy(() -> r.failures().add("b"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> new OrderedModelChain(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
