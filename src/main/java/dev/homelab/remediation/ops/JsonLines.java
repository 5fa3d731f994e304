package dev.homelab.remediation.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.event.KeyValuePair;

/**
 * LOG_FORMAT=json: one flat JSON object per line, as log collectors (Loki's {@code | json}, jq,
 * Vector) read best: {@code time} (RFC 3339, UTC, milliseconds), {@code level}, {@code logger},
 * {@code thread}, {@code message}, then each structured key-value of the line as a field of its own
 * ({@code "proposal":"..."}), and {@code error} with the stack trace when there is one. A key that
 * would take one of those names, or one seen already on the line, is written {@code kv.KEY}.
 * Logback's own JSON encoder gave epoch milliseconds and the key-values as a list of one-key
 * objects.
 */
public final class JsonLines extends EncoderBase<ILoggingEvent> {
  private static final JsonFactory JSON = new JsonFactory();
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);
  private static final Set<String> FIXED =
      Set.of("time", "level", "logger", "thread", "message", "error");

  @Override
  public byte[] headerBytes() {
    return new byte[0];
  }

  @Override
  public byte[] footerBytes() {
    return new byte[0];
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", TIME.format(Instant.ofEpochMilli(event.getTimeStamp())));
      g.writeStringField("level", event.getLevel().toString());
      g.writeStringField("logger", event.getLoggerName());
      g.writeStringField("thread", event.getThreadName());
      g.writeStringField("message", event.getFormattedMessage());
      if (event.getKeyValuePairs() != null) {
        Set<String> seen = new HashSet<>();
        for (KeyValuePair kv : event.getKeyValuePairs()) {
          String key = String.valueOf(kv.key);
          while (FIXED.contains(key) || !seen.add(key)) {
            key = "kv." + key; // never a name the line has already
          }
          g.writeStringField(key, String.valueOf(kv.value));
        }
      }
      if (event.getThrowableProxy() != null) {
        g.writeStringField("error", ThrowableProxyUtil.asString(event.getThrowableProxy()));
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    out.write('\n');
    return out.toByteArray();
  }
}
