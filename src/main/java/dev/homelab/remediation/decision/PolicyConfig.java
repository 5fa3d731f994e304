package dev.homelab.remediation.decision;

import java.util.Set;

/** The homelab's safety policy (SPEC section 4); it can only tighten a proposal. */
public record PolicyConfig(
    Set<String> alwaysHumanNodes, Set<String> notifyOnlyEvents, double minConfidence) {}
