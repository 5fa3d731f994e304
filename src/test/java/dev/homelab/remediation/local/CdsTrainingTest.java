package dev.homelab.remediation.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The training run in this JVM: it reaches ready and takes its two incidents to Dispatched (it
 * throws otherwise, naming the phase it saw), which CdsTrainE2E then checks from the archive.
 */
class CdsTrainingTest {

  @Test
  void readyThenTwoIncidentsDispatched() throws Exception {
    CdsTraining.Trained t = CdsTraining.run(Duration.ofSeconds(90));
    assertThat(t.ready()).isPositive();
    assertThat(t.incidents()).isPositive().isLessThan(Duration.ofSeconds(90));
  }
}
