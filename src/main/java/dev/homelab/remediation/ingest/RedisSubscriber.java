package dev.homelab.remediation.ingest;

import dev.homelab.remediation.util.DaemonThreads;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribes to the event channels with Lettuce and hands each message, as bytes, to a sink on the
 * I/O thread. Connects with retries at start-up; after a lost connection Lettuce reconnects and
 * resubscribes by itself, and the gap is logged (pub/sub messages published meanwhile are not kept
 * by Redis).
 */
public final class RedisSubscriber implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSubscriber.class);
  private static final RedisCodec<String, byte[]> CODEC =
      RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private final RedisURI uri;
  private final List<String> channels;
  private final BiConsumer<String, byte[]> sink;
  private final ClientResources resources;
  private final RedisClient client;
  private final ScheduledExecutorService connector =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("redis-connect"));
  private final Set<String> subscribed = ConcurrentHashMap.newKeySet();
  private volatile StatefulRedisPubSubConnection<String, byte[]> connection;
  private volatile Instant disconnectedAt;
  private volatile boolean closed;
  private int attempts;

  public RedisSubscriber(RedisURI uri, List<String> channels, BiConsumer<String, byte[]> sink) {
    this.uri = uri;
    this.channels = List.copyOf(channels);
    this.sink = sink;
    this.resources =
        ClientResources.builder()
            .reconnectDelay(
                Delay.exponential(
                    Duration.ofMillis(50), Duration.ofSeconds(5), 2, TimeUnit.MILLISECONDS))
            .build();
    this.client = RedisClient.create(resources, uri);
    this.client.setOptions(ClientOptions.builder().autoReconnect(true).build());
    this.client.addListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
            Instant since = disconnectedAt;
            if (since != null) {
              disconnectedAt = null;
              LOG.atWarn()
                  .addKeyValue("gapMs", Duration.between(since, Instant.now()).toMillis())
                  .addKeyValue("redis", address)
                  .log("reconnected to Redis; pub/sub messages published during the gap are lost");
            }
          }

          @Override
          public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
            subscribed.clear();
            if (!closed && disconnectedAt == null) {
              disconnectedAt = Instant.now();
              LOG.warn("lost the Redis connection; reconnecting");
            }
          }
        });
  }

  /** Connects in the background, retrying until it succeeds or {@link #close()} is called. */
  public void start() {
    connector.execute(this::connect);
  }

  private void connect() {
    if (closed) {
      return;
    }
    StatefulRedisPubSubConnection<String, byte[]> c = null;
    try {
      c = client.connectPubSub(CODEC);
      c.addListener(
          new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, byte[] message) {
              sink.accept(channel, message);
            }

            @Override
            public void subscribed(String channel, long count) {
              subscribed.add(channel);
              LOG.atInfo().addKeyValue("channel", channel).log("subscribed");
            }
          });
      c.sync().subscribe(channels.toArray(new String[0]));
      connection = c;
      attempts = 0;
    } catch (RuntimeException e) {
      if (c != null) {
        c.close(); // connected but not subscribed: never leave a second connection behind
      }
      long delay = Math.min(30_000L, 500L << Math.min(attempts++, 6));
      LOG.atWarn()
          .addKeyValue("redis", uri.getHost() + ":" + uri.getPort())
          .addKeyValue("retryInMs", delay)
          .log("cannot reach Redis: {}", e.getMessage());
      connector.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }
  }

  /** True while every channel is subscribed. */
  public boolean isSubscribed() {
    return subscribed.containsAll(channels);
  }

  @Override
  public void close() {
    closed = true;
    connector.shutdownNow();
    StatefulRedisPubSubConnection<String, byte[]> c = connection;
    if (c != null) {
      c.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
