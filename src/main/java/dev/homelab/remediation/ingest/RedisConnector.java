package dev.homelab.remediation.ingest;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Connections to the Redis of a {@code REDIS_URL} as Lettuce reads it: plain or TLS (rediss://,
 * with its verifyPeer), then AUTH with the URL's user and password. For the subscriber and its
 * {@link OutputBufferProbe}.
 */
final class RedisConnector implements OutputBufferProbe.Connector {
  /**
   * The socket receive buffer wanted: slack for when the reader is descheduled or the JVM pauses,
   * on top of Redis's own output buffer. Asked for only where the kernel grants it
   * (net.core.rmem_max at least this): a request caps the buffer at rmem_max (212,992 bytes on a
   * default kernel, which reports twice that) and turns off Linux's receive-buffer autotuning,
   * which grows a fast connection's buffer up to net.ipv4.tcp_rmem's maximum (6 MiB by default)
   * unasked. In a pod's own network namespace, kernels before 6.10 have no rmem_max file, though
   * its cap holds.
   */
  static final int RECEIVE_BUFFER = 4 << 20;

  private static final Path RMEM_MAX = Path.of("/proc/sys/net/core/rmem_max");
  private static final boolean LINUX =
      System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux");

  private final RedisURI uri;

  RedisConnector(RedisURI uri) {
    this.uri = uri;
  }

  @Override
  public Socket open() throws IOException {
    Socket plain = new Socket();
    try {
      plain.setTcpNoDelay(true);
      plain.setKeepAlive(true);
      if (askForReceiveBuffer(RMEM_MAX, LINUX)) {
        try {
          plain.setReceiveBufferSize(RECEIVE_BUFFER);
        } catch (java.net.SocketException e) {
          // A system that caps socket buffers lower refuses it (ENOBUFS): its default then.
        }
      }
      plain.setSoTimeout((int) RedisSubscriber.PING_EVERY.toMillis() * 3);
      plain.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
      if (!uri.isSsl()) {
        return plain;
      }
      // As Lettuce does for the same URL: NONE trusts any certificate (verifyPeer=NONE), CA
      // checks the chain only, FULL (the default) the chain and the host name.
      SslVerifyMode mode = uri.getVerifyMode();
      SSLSocketFactory factory =
          mode == SslVerifyMode.NONE
              ? TrustAll.FACTORY
              : (SSLSocketFactory) SSLSocketFactory.getDefault();
      SSLSocket tls = (SSLSocket) factory.createSocket(plain, uri.getHost(), uri.getPort(), true);
      if (mode == SslVerifyMode.FULL) {
        SSLParameters params = tls.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(params);
      }
      tls.startHandshake();
      return tls;
    } catch (IOException | RuntimeException e) {
      closeQuietly(plain);
      throw e;
    }
  }

  /**
   * Whether to ask for {@link #RECEIVE_BUFFER}: when {@code rmemMax} (the kernel's cap on a
   * request) allows it. When it cannot be read: not on Linux (a pod's network namespace before
   * kernel 6.10 has no such file, though the host's cap still applies), elsewhere yes (no
   * autotuning to lose that we know of).
   */
  static boolean askForReceiveBuffer(Path rmemMax, boolean linux) {
    try {
      return Long.parseLong(Files.readString(rmemMax).trim()) >= RECEIVE_BUFFER;
    } catch (IOException | NumberFormatException | SecurityException e) {
      return !linux;
    }
  }

  /** The socket's receive buffer now (autotuning changes it), or {@code otherwise}. */
  static long receiveBuffer(Socket s, long otherwise) {
    try {
      return s.getReceiveBufferSize();
    } catch (IOException e) {
      return otherwise;
    }
  }

  static void closeQuietly(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  /** A command as RESP: an array of bulk strings, UTF-8. */
  static byte[] command(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    byte[] header = ("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
    out.write(header, 0, header.length);
    for (String a : args) {
      byte[] b = a.getBytes(StandardCharsets.UTF_8);
      byte[] length = ("$" + b.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
      out.write(length, 0, length.length);
      out.write(b, 0, b.length);
      out.write('\r');
      out.write('\n');
    }
    return out.toByteArray();
  }

  @Override
  public void authenticate(OutputStream out, RespReader in) throws IOException {
    RedisCredentials credentials =
        uri.getCredentialsProvider() == null
            ? null
            : uri.getCredentialsProvider().resolveCredentials().block(Duration.ofSeconds(10));
    if (credentials == null || !credentials.hasPassword()) {
      return;
    }
    String password = new String(credentials.getPassword());
    String user = credentials.getUsername();
    if (!credentials.hasUsername() || user == null || user.isEmpty()) {
      out.write(command("AUTH", password));
    } else {
      out.write(command("AUTH", user, password));
    }
    out.flush();
    in.expectOk("AUTH");
  }
}
