package dev.homelab.remediation.llm;

import java.util.Objects;

/**
 * A proposal that passed the proposal schema, as the model (or the rules proposer) gave it. The
 * safety policy has not been applied yet: {@code target} may point anywhere and {@code
 * requiresHuman} may be false for a node that always needs a human.
 *
 * @param action one of {@code restart}, {@code redeploy}, {@code notify}, {@code ignore}
 * @param reason the model's reason, trimmed (and cut to {@value #MAX_REASON_CHARS} characters)
 * @param confidence 0..1
 * @param requiresHuman the model's requires_human
 * @param target the model's target, trimmed; null when the model gave none (or an empty one)
 * @param model the link that answered, e.g. {@code ollama/llama3.1:8b}, {@code openai/gpt-4o-mini}
 *     or {@code rules}
 */
public record ModelAnswer(
    String action,
    String reason,
    double confidence,
    boolean requiresHuman,
    String target,
    String model) {

  /** Longest reason kept; a longer one is cut (a reason ends up in status and in files). */
  public static final int MAX_REASON_CHARS = 1024;

  public ModelAnswer {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(model, "model");
  }
}
