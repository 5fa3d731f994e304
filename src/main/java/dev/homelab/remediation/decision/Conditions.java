package dev.homelab.remediation.decision;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds a condition list with one condition replaced, keeping {@code lastTransitionTime} when the
 * condition's status did not change.
 */
public final class Conditions {
  private Conditions() {}

  public static List<Condition> with(
      List<Condition> current,
      String type,
      boolean status,
      String reason,
      String message,
      long generation,
      Instant now) {
    List<Condition> out = new ArrayList<>();
    String statusText = status ? "True" : "False";
    boolean replaced = false;
    if (current != null) {
      for (Condition c : current) {
        if (!type.equals(c.getType())) {
          out.add(c);
          continue;
        }
        String since =
            Objects.equals(c.getStatus(), statusText) && c.getLastTransitionTime() != null
                ? c.getLastTransitionTime()
                : now.toString();
        out.add(build(type, statusText, reason, message, generation, since));
        replaced = true;
      }
    }
    if (!replaced) {
      out.add(build(type, statusText, reason, message, generation, now.toString()));
    }
    return out;
  }

  private static Condition build(
      String type, String status, String reason, String message, long generation, String since) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }
}
