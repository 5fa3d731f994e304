package dev.homelab.remediation.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.homelab.remediation.support.TestRedis;
import io.lettuce.core.RedisURI;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The intake's own RESP subscriber against a real redis-server and a TLS endpoint. */
class RedisSubscriberIT {
  final List<String> received = new CopyOnWriteArrayList<>();

  RedisSubscriber.Sink sink(boolean failFirst) {
    return new RedisSubscriber.Sink() {
      boolean failed;

      @Override
      public void message(String channel, byte[] buf, int off, int len) {
        if (failFirst && !failed) {
          failed = true;
          throw new IllegalStateException("a bug in the sink");
        }
        received.add(channel + ":" + new String(buf, off, len, StandardCharsets.UTF_8));
      }

      @Override
      public void oversized(String channel, long bytes) {
        received.add(channel + ":oversized " + bytes);
      }
    };
  }

  @Test
  void aFailingSinkLosesOneMessageNotTheSubscription() {
    try (TestRedis redis = new TestRedis();
        RedisSubscriber s =
            new RedisSubscriber(RedisURI.create(redis.url()), List.of("a", "b"), 64, sink(true))) {
      s.start();
      await().atMost(Duration.ofSeconds(10)).until(s::isSubscribed);
      redis.publish("a", "one");
      redis.publish("b", "two");
      redis.publish("a", "x".repeat(100));
      await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
      assertThat(received).containsExactly("b:two", "a:oversized 100");
      assertThat(s.isSubscribed()).isTrue();
      assertThat(s.reconnects()).isZero();
      assertThat(s.alive()).isTrue();
    }
  }

  @Test
  void anAclUserFromTheUrlAuthenticatesWithItsPassword() {
    try (TestRedis redis = new TestRedis()) {
      redis.addUser("alice", "s3cret");
      RedisURI uri = RedisURI.create("redis://alice:s3cret@127.0.0.1:" + redis.port());
      try (RedisSubscriber s = new RedisSubscriber(uri, List.of("a"), 64, sink(false))) {
        s.start();
        await().atMost(Duration.ofSeconds(10)).until(s::isSubscribed);
        redis.publish("a", "hi");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.contains("a:hi"));
      }
      RedisURI wrong = RedisURI.create("redis://alice:nope@127.0.0.1:" + redis.port());
      long before = redis.connectionsReceived();
      try (RedisSubscriber s = new RedisSubscriber(wrong, List.of("a"), 64, sink(false))) {
        s.start();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
        assertThat(s.isSubscribed()).isFalse();
      }
      // A refused AUTH is retried with backoff (0.5 s, 1 s, 2 s, ...): a handful of connections in
      // 3 s, not a tight loop (the count's own INFO goes over an existing connection).
      assertThat(redis.connectionsReceived() - before).isBetween(2L, 4L);
    }
  }

  /** Records messages as {@link #sink}, and counts the probe's figures (those it could read). */
  RedisSubscriber.Sink countingFigures(AtomicLong figures) {
    return new RedisSubscriber.Sink() {
      @Override
      public void message(String channel, byte[] buf, int off, int len) {
        received.add(channel + ":" + new String(buf, off, len, StandardCharsets.UTF_8));
      }

      @Override
      public void oversized(String channel, long bytes) {}

      @Override
      public void redisOutputBuffer(long bytes, long skimAbove) {
        if (bytes >= 0) {
          figures.incrementAndGet();
        }
      }
    };
  }

  /** A user without CLIENT (some managed Redis): no probe, the subscription as before. */
  @Test
  void withoutTheClientCommandTheSubscriberGoesOnWithoutTheProbe() {
    AtomicLong figures = new AtomicLong();
    RedisSubscriber.Sink counting = countingFigures(figures);
    try (TestRedis redis = new TestRedis()) {
      redis.addUserWithoutClientCommand("bob", "s3cret");
      RedisURI uri = RedisURI.create("redis://bob:s3cret@127.0.0.1:" + redis.port());
      try (RedisSubscriber s = new RedisSubscriber(uri, List.of("a"), 64, counting)) {
        s.start();
        await().atMost(Duration.ofSeconds(10)).until(s::isSubscribed);
        redis.publish("a", "hi");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.contains("a:hi"));
        assertThat(figures.get()).isZero();
        assertThat(s.reconnects()).isZero();
      }
    }
  }

  /**
   * A user that may name itself but not list clients: the probe is refused, says so once and asks
   * again only every 30 s, not every 10 ms; the subscription is unaffected.
   */
  @Test
  void aRefusedProbeAsksAgainOnlyEveryThirtySeconds() {
    try (TestRedis redis = new TestRedis()) {
      redis.addUserWithoutClientList("carol", "s3cret");
      RedisURI uri = RedisURI.create("redis://carol:s3cret@127.0.0.1:" + redis.port());
      try (RedisSubscriber s = new RedisSubscriber(uri, List.of("a"), 64, sink(false))) {
        s.start();
        await().atMost(Duration.ofSeconds(10)).until(s::isSubscribed);
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.aclDenials("client") > 0);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
        // Asked again only after 30 s: one refusal in these 3 s, where asking every 10 ms would be
        // about 300. ACL LOG once counted 2 here in CI with one refusal logged and no reconnect
        // (cause not found), so the bound allows that.
        assertThat(redis.aclDenials("client")).isBetween(1L, 2L);
        redis.publish("a", "hi");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.contains("a:hi"));
        assertThat(s.reconnects()).isZero();
      }
    }
  }

  /**
   * The probe's connection refused (Redis at maxclients, the subscriber's own connection in): it
   * tries again once a second, not every 10 ms, reports nothing meanwhile (the reader goes by its
   * socket), and reports Redis's figure within seconds once it can connect; the subscription is
   * unaffected throughout.
   */
  @Test
  void aProbeThatCannotConnectTriesOnceASecondAndReportsOnceItCan() {
    AtomicLong figures = new AtomicLong();
    RedisSubscriber.Sink counting = countingFigures(figures);
    try (TestRedis redis = new TestRedis()) {
      // Room for this test's own connection and the subscriber's, none for the probe's.
      redis.maxClients((int) redis.connectedClients() + 1);
      try (RedisSubscriber s =
          new RedisSubscriber(RedisURI.create(redis.url()), List.of("a"), 64, counting)) {
        s.start();
        await().atMost(Duration.ofSeconds(10)).until(s::isSubscribed);
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.rejectedConnections() > 0);
        long before = redis.rejectedConnections();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
        assertThat(redis.rejectedConnections() - before)
            .as("probe connections refused in 3 s")
            .isBetween(1L, 5L);
        assertThat(figures.get()).isZero();

        redis.maxClients(10_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> figures.get() > 0);
        redis.publish("a", "hi");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.contains("a:hi"));
        assertThat(s.reconnects()).isZero();
        assertThat(s.isSubscribed()).isTrue();
      }
    }
  }

  /** What the probe costs a quiet Redis: ten small commands a second, not a hundred. */
  @Test
  void anIdleSubscribersProbeAsksTenTimesASecond() {
    try (TestRedis redis = new TestRedis();
        RedisSubscriber s =
            new RedisSubscriber(RedisURI.create(redis.url()), List.of("a"), 64, sink(false))) {
      s.start();
      await().atMost(Duration.ofSeconds(10)).until(s::isSubscribed);
      await().atMost(Duration.ofSeconds(10)).until(() -> redis.commandCalls("client") > 2);
      long before = redis.commandCalls("client");
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
      assertThat(redis.commandCalls("client") - before).isBetween(10L, 30L);
    }
  }

  /**
   * A reader stalled in its sink: Redis's output buffer for it grows, the probe reports it (the
   * figure the reader sheds by), and once the reader goes on everything arrives and the buffer is
   * reported drained, on the same subscription.
   */
  @Test
  void theProbeReportsWhatRedisHoldsForAStalledReader() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger got = new AtomicInteger();
    AtomicLong last = new AtomicLong(-2);
    AtomicLong most = new AtomicLong(-2);
    RedisSubscriber.Sink stalling =
        new RedisSubscriber.Sink() {
          @Override
          public void message(String channel, byte[] buf, int off, int len) {
            if (got.incrementAndGet() == 1) {
              try {
                release.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }

          @Override
          public void oversized(String channel, long bytes) {}

          @Override
          public void redisOutputBuffer(long bytes, long skimAbove) {
            last.set(bytes);
            most.accumulateAndGet(bytes, Math::max);
          }
        };
    int n = 20_000;
    try (TestRedis redis = new TestRedis();
        RedisSubscriber s =
            new RedisSubscriber(RedisURI.create(redis.url()), List.of("a"), 65536, stalling)) {
      s.start();
      await().atMost(Duration.ofSeconds(10)).until(s::isSubscribed);
      await().atMost(Duration.ofSeconds(10)).until(() -> last.get() >= 0);
      assertThat(last.get()).as("an idle subscriber").isLessThan(64 * 1024);
      byte[] payload = "x".repeat(1000).getBytes(StandardCharsets.US_ASCII);
      redis.publishAll("a", java.util.Collections.nCopies(n, payload)); // 20 MB
      await().atMost(Duration.ofSeconds(20)).until(() -> most.get() > 1 << 20);
      release.countDown();
      await().atMost(Duration.ofSeconds(30)).until(() -> got.get() == n);
      await().atMost(Duration.ofSeconds(10)).until(() -> last.get() >= 0 && last.get() < 64 * 1024);
      assertThat(s.reconnects()).isZero();
      assertThat(s.isSubscribed()).isTrue();
    } finally {
      release.countDown();
    }
  }

  /**
   * rediss:// against a server with a self-signed certificate: the default (verifyPeer=FULL) and
   * verifyPeer= CA refuse it, verifyPeer=NONE takes it, as Lettuce does for the same URLs.
   */
  @Test
  void tlsHonoursTheUrlsVerifyPeer(@TempDir Path dir) throws Exception {
    Path keystore = dir.resolve("redis.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "redis",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    keytool.getInputStream().readAllBytes();
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = java.nio.file.Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    try (SSLServerSocket server =
        (SSLServerSocket)
            ctx.getServerSocketFactory()
                .createServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try {
                    var c = server.accept();
                    new Thread(() -> answerSubscribe(c)).start();
                  } catch (java.io.IOException e) {
                    return;
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      String base = "rediss://127.0.0.1:" + server.getLocalPort();
      for (String url : List.of(base, base + "?verifyPeer=CA")) {
        try (RedisSubscriber s =
            new RedisSubscriber(RedisURI.create(url), List.of("a"), 64, sink(false))) {
          s.start();
          await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
          assertThat(s.isSubscribed()).as(url + " trusts a self-signed certificate").isFalse();
        }
      }
      try (RedisSubscriber s =
          new RedisSubscriber(
              RedisURI.create(base + "?verifyPeer=NONE"), List.of("a"), 64, sink(false))) {
        s.start();
        await().atMost(Duration.ofSeconds(10)).until(s::isSubscribed);
      }
    }
  }

  /** Just enough of Redis over TLS: every SUBSCRIBE confirmed, CLIENT refused, then silence. */
  static void answerSubscribe(java.net.Socket c) {
    try (c) {
      InputStream in = c.getInputStream();
      OutputStream out = c.getOutputStream();
      byte[] buf = new byte[4096];
      int n;
      while ((n = in.read(buf)) > 0) {
        String cmd = new String(buf, 0, n, StandardCharsets.UTF_8);
        if (cmd.contains("CLIENT")) {
          // As a Redis that does not know it (or an ACL that forbids it): the subscriber goes on.
          out.write("-ERR unknown command 'CLIENT'\r\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
        } else if (cmd.contains("SUBSCRIBE")) {
          out.write("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      }
    } catch (java.io.IOException e) {
      // the client went away
    }
  }
}
