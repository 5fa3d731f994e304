package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When the reader pauses the workers and when it skims, by its socket and by Redis's buffer. */
class ReaderBacklogTest {
  static final long CAPACITY = 1 << 20;
  static final long MIB = 1 << 20;
  static final long LEVEL = OutputBufferProbe.DEFAULT_SKIM_ABOVE;
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
    b.redis(512 * 1024, LEVEL, now);
    b.socket(CAPACITY, CAPACITY, now + 1_000_000);
    assertThat(b.behind()).isTrue(); // the workers still pause
    assertThat(b.skimming()).isFalse(); // but nothing is dropped
  }

  @Test
  void redisPastItsThresholdSkimsUntilItHoldsLittleAndTheSocketIsDrained() {
    b.redis(LEVEL + 1, LEVEL, now);
    b.socket(0, CAPACITY, now);
    assertThat(b.skimming()).isTrue();
    b.redis(LEVEL / 4 + 1, LEVEL, now);
    b.socket(0, CAPACITY, now);
    assertThat(b.skimming()).as("still over the lower mark").isTrue();
    b.redis(LEVEL / 4, LEVEL, now);
    b.socket(CAPACITY / 2, CAPACITY, now);
    assertThat(b.skimming()).as("the socket is still behind").isTrue();
    b.socket(CAPACITY / 8, CAPACITY, now);
    assertThat(b.skimming()).isFalse();
    assertThat(b.redisBytes()).isEqualTo(LEVEL / 4);
  }

  @Test
  void aStaleOrUnknownRedisFigureFallsBackToTheSocket() {
    b.redis(0, LEVEL, now);
    b.socket(CAPACITY, CAPACITY, now + ReaderBacklog.FRESH_NANOS + 1);
    assertThat(b.skimming()).as("probe silent for too long").isTrue();
    b.socket(0, CAPACITY, now);
    b.redis(-1, LEVEL, now);
    b.socket(CAPACITY, CAPACITY, now);
    assertThat(b.skimming()).as("Redis does not tell").isTrue();
    b.redis(40 * MIB, LEVEL, now);
    b.socket(0, CAPACITY, now + ReaderBacklog.FRESH_NANOS);
    assertThat(b.skimming()).as("fresh: still over the mark").isTrue();
  }

  @Test
  void aQuarterOfTheWayToTheHardLimitItDrainsUntilBackAtTheLevel() {
    b.redis(2 * LEVEL, LEVEL, now);
    b.socket(0, CAPACITY, now);
    assertThat(b.skimming()).isTrue();
    assertThat(b.draining()).isFalse();
    b.redis(2 * LEVEL + 1, LEVEL, now);
    b.socket(0, CAPACITY, now);
    assertThat(b.draining()).isTrue();
    b.redis(LEVEL + 1, LEVEL, now);
    b.socket(0, CAPACITY, now);
    assertThat(b.draining()).as("until back at the level").isTrue();
    b.redis(LEVEL, LEVEL, now);
    b.socket(0, CAPACITY, now);
    assertThat(b.draining()).isFalse();
    assertThat(b.skimming()).isTrue();
    b.redis(40 * MIB, LEVEL, now);
    b.socket(0, CAPACITY, now + ReaderBacklog.FRESH_NANOS + 1);
    assertThat(b.draining()).as("never on a stale figure").isFalse();
  }

  @Test
  void redisHoldsLittleOnlyByAFigureOfTheLast30MsUpToAQuarterOfTheLevel() {
    assertThat(b.redisHoldsLittle(now)).as("no figure").isFalse();
    b.redis(LEVEL / 4, LEVEL, now);
    assertThat(b.redisHoldsLittle(now)).isTrue();
    assertThat(b.redisHoldsLittle(now + ReaderBacklog.LITTLE_FRESH_NANOS)).isTrue();
    assertThat(b.redisHoldsLittle(now + ReaderBacklog.LITTLE_FRESH_NANOS + 1))
        .as("older than three probes: from before a stall, maybe")
        .isFalse();
    b.redis(LEVEL / 4 + 1, LEVEL, now);
    assertThat(b.redisHoldsLittle(now)).isFalse();
    b.redis(-1, LEVEL, now);
    assertThat(b.redisHoldsLittle(now)).as("Redis does not tell").isFalse();
  }

  @Test
  void aRedisConfiguredLowerSkimsSooner() {
    b.redis(300 * 1024, 256 * 1024, now);
    b.socket(0, CAPACITY, now);
    assertThat(b.skimming()).isTrue();
    b.redis(64 * 1024, 256 * 1024, now);
    b.socket(0, CAPACITY, now);
    assertThat(b.skimming()).isFalse();
    assertThat(
            OutputBufferProbe.skimAbove(
                "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"))
        .isEqualTo(LEVEL);
    assertThat(OutputBufferProbe.skimAbove("normal 0 0 0 replica 0 0 0 pubsub 2097152 0 0"))
        .isEqualTo(512 * 1024); // a quarter of the hard limit
    assertThat(OutputBufferProbe.skimAbove("pubsub 0 1048576 60")).isEqualTo(512 * 1024);
    assertThat(OutputBufferProbe.skimAbove("pubsub 0 0 0")).isEqualTo(LEVEL); // no limit
    assertThat(OutputBufferProbe.skimAbove("normal 0 0 0")).isEqualTo(LEVEL);
    // Whatever the limits, the reader drains (past twice the level) before the hard limit, and
    // by the soft one at the latest.
    for (long hard : new long[] {64 * 1024, 1 << 20, 8 << 20, 32 << 20, 256L << 20}) {
      for (long soft : new long[] {0, hard / 4, hard / 2, hard}) {
        long level = OutputBufferProbe.skimAbove("pubsub " + hard + " " + soft + " 60");
        assertThat(2 * level).as("hard %d soft %d", hard, soft).isLessThan(hard);
        if (soft > 0) {
          assertThat(2 * level).as("hard %d soft %d", hard, soft).isLessThanOrEqualTo(soft);
        }
      }
    }
  }

  @Test
  void onlyTheSubscribersOwnLineCounts() {
    var t = new OutputBufferProbe.Target(7, "remediation-intake-abc");
    String mine = "id=7 addr=x fd=8 name=remediation-intake-abc age=3 omem=4096 tot-mem=1\n";
    assertThat(OutputBufferProbe.figure(mine, t)).isEqualTo(4096);
    // The same id on another server, or a name that is not ours: not a figure.
    assertThat(OutputBufferProbe.figure(mine.replace("abc", "xyz"), t)).isEqualTo(-1);
    assertThat(OutputBufferProbe.figure(mine.replace("id=7 ", "id=77 "), t)).isEqualTo(-1);
    assertThat(OutputBufferProbe.figure("", t)).isEqualTo(-1);
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
