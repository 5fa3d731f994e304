package dev.homelab.remediation.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The stub Redis of cds-train, to a real Lettuce subscriber. */
class StubRedisTest {

  @Test
  void aSubscriberGetsWhatIsPublishedOnItsChannelsOnly() throws Exception {
    try (StubRedis redis = StubRedis.start()) {
      RedisClient client = RedisClient.create(redis.url());
      try (StatefulRedisPubSubConnection<String, String> c = client.connectPubSub()) {
        List<String> got = new CopyOnWriteArrayList<>();
        c.addListener(
            new RedisPubSubAdapter<>() {
              @Override
              public void message(String channel, String message) {
                got.add(channel + " " + message);
              }
            });
        assertThat(redis.publish("health_events", "before")).as("nobody subscribed yet").isZero();
        c.sync().subscribe("health_events", "world_updates");
        assertThat(c.sync().ping()).isEqualTo("PONG");

        assertThat(redis.publish("health_events", "{\"a\":1}")).isEqualTo(1);
        assertThat(redis.publish("other", "x")).isZero();
        assertThat(redis.publish("world_updates", "é")).isEqualTo(1);

        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(got).containsExactly("health_events {\"a\":1}", "world_updates é"));
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }

  @Test
  void aClosedSubscriberIsForgotten() throws Exception {
    try (StubRedis redis = StubRedis.start()) {
      RedisClient client = RedisClient.create(redis.url());
      try {
        StatefulRedisPubSubConnection<String, String> c = client.connectPubSub();
        c.sync().subscribe("health_events");
        assertThat(redis.publish("health_events", "one")).isEqualTo(1);
        c.close();
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> redis.publish("health_events", "two") == 0);
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }
}
