package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When the reader pauses the workers and when it skims, by its socket and by Redis's buffer. */
class ReaderBacklogTest {
  static final long CAPACITY = 1 << 20;
  static final long MIB = 1 << 20;
  final ReaderBacklog b = new ReaderBacklog();
  long now = 1_000_000_000L;

  @Test
  void withoutRedisFigureTheSocketDecidesSkimPastAQuarterStopUnderAnEighth() {
    b.socket(CAPACITY / 8, CAPACITY, now);
    assertThat(b.behind()).isFalse();
    b.socket(CAPACITY / 8 + 1, CAPACITY, now);
    assertThat(b.behind()).isTrue();
    assertThat(b.skimming()).isFalse();
    b.socket(CAPACITY / 4 + 1, CAPACITY, now);
    assertThat(b.skimming()).isTrue();
    b.socket(CAPACITY / 8 + 1, CAPACITY, now); // between the two: keeps skimming
    assertThat(b.skimming()).isTrue();
    b.socket(CAPACITY / 8, CAPACITY, now);
    assertThat(b.skimming()).isFalse();
    assertThat(b.socketBytes()).isEqualTo(CAPACITY / 8);
  }

  @Test
  void aFullSocketIsRiddenOutWhileRedisHoldsLittle() {
    b.redis(512 * 1024, now);
    b.socket(CAPACITY, CAPACITY, now + 1_000_000);
    assertThat(b.behind()).isTrue(); // the workers still pause
    assertThat(b.skimming()).isFalse(); // but nothing is dropped
  }

  @Test
  void redisPastItsThresholdSkimsUntilItHoldsLittleAndTheSocketIsDrained() {
    b.redis(ReaderBacklog.SKIM_ABOVE + 1, now);
    b.socket(0, CAPACITY, now);
    assertThat(b.skimming()).isTrue();
    b.redis(ReaderBacklog.SKIM_BELOW + 1, now);
    b.socket(0, CAPACITY, now);
    assertThat(b.skimming()).as("still over the lower mark").isTrue();
    b.redis(ReaderBacklog.SKIM_BELOW, now);
    b.socket(CAPACITY / 2, CAPACITY, now);
    assertThat(b.skimming()).as("the socket is still behind").isTrue();
    b.socket(CAPACITY / 8, CAPACITY, now);
    assertThat(b.skimming()).isFalse();
    assertThat(b.redisBytes()).isEqualTo(ReaderBacklog.SKIM_BELOW);
  }

  @Test
  void aStaleOrUnknownRedisFigureFallsBackToTheSocket() {
    b.redis(0, now);
    b.socket(CAPACITY, CAPACITY, now + ReaderBacklog.FRESH_NANOS + 1);
    assertThat(b.skimming()).as("probe silent for too long").isTrue();
    b.socket(0, CAPACITY, now);
    b.redis(-1, now);
    b.socket(CAPACITY, CAPACITY, now);
    assertThat(b.skimming()).as("Redis does not tell").isTrue();
    b.redis(40 * MIB, now);
    b.socket(0, CAPACITY, now + ReaderBacklog.FRESH_NANOS);
    assertThat(b.skimming()).as("fresh: still over the mark").isTrue();
  }

  @Test
  void omemIsReadFromAClientListLine() {
    String line =
        "id=7 addr=127.0.0.1:50000 laddr=127.0.0.1:6379 fd=8 name= age=3 idle=0 flags=P db=0"
            + " sub=2 psub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 obl=0 oll=12 omem=245760"
            + " tot-mem=266240 events=rw cmd=subscribe user=default redir=-1\n";
    assertThat(OutputBufferProbe.omem(line)).isEqualTo(245_760);
    assertThat(OutputBufferProbe.omem("")).isEqualTo(-1); // the client is gone
    assertThat(OutputBufferProbe.omem("id=7 omem= x")).isEqualTo(-1);
    assertThat(OutputBufferProbe.omem("id=7 tot-mem=5")).isEqualTo(-1);
  }
}
