package dev.homelab.remediation.support;

import dev.homelab.remediation.api.v1alpha1.Phase;
import dev.homelab.remediation.controller.PhaseListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link PhaseListener} that records every change it is told of. */
public final class TestingPhaseListener implements PhaseListener {
  private final List<Change> changes = new CopyOnWriteArrayList<>();

  @Override
  public void changed(Change change) {
    changes.add(change);
  }

  public List<Change> changes() {
    return List.copyOf(changes);
  }

  /** The phases changed to, in order. */
  public List<Phase> phases() {
    return changes.stream().map(Change::to).toList();
  }
}
