package dev.homelab.remediation.bench;

import dev.homelab.remediation.ingest.RedisSubscriber;
import dev.homelab.remediation.support.RawSubscriber;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One subscriber that only counts, in its own process (so it runs with the flags it is given):
 * {@code lettuce} (Lettuce's pub/sub, an empty listener), {@code intake} (the operator's
 * RedisSubscriber, a counting sink) or {@code raw} (RawSubscriber). Prints READY once subscribed,
 * then on each line read from stdin prints {@code received lost}.
 */
public final class SubscriberProbe {
  private SubscriberProbe() {}

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    int port = Integer.parseInt(args[1]);
    String channel = args[2];
    AtomicLong received = new AtomicLong();
    AtomicBoolean lost = new AtomicBoolean();
    Runnable ready;
    java.util.function.LongSupplier count = received::get;
    java.util.function.BooleanSupplier gone = lost::get;
    switch (kind) {
      case "lettuce" -> {
        RedisClient client = RedisClient.create(RedisURI.create("redis://127.0.0.1:" + port));
        client.setOptions(ClientOptions.builder().autoReconnect(false).build());
        client.addListener(
            new RedisConnectionStateListener() {
              @Override
              public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
                lost.set(true);
              }
            });
        var c = client.connectPubSub(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        c.addListener(
            new RedisPubSubAdapter<>() {
              @Override
              public void message(String ch, byte[] m) {
                received.incrementAndGet();
              }
            });
        c.sync().subscribe(channel);
      }
      case "intake" -> {
        RedisSubscriber s =
            new RedisSubscriber(
                RedisURI.create("redis://127.0.0.1:" + port),
                List.of(channel),
                65536,
                new RedisSubscriber.Sink() {
                  @Override
                  public void message(String ch, byte[] buf, int off, int len) {
                    received.incrementAndGet();
                  }

                  @Override
                  public void oversized(String ch, long bytes) {}
                });
        s.start();
        while (!s.isSubscribed()) {
          Thread.sleep(10);
        }
        gone = () -> s.reconnects() > 0;
      }
      default -> {
        RawSubscriber raw = new RawSubscriber(port, channel);
        count = raw::messages;
        gone = raw::lost;
      }
    }
    System.out.println("READY");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    while (in.readLine() != null) {
      System.out.println(count.getAsLong() + " " + gone.getAsBoolean());
    }
    System.exit(0);
  }
}
