package dev.homelab.remediation.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.homelab.remediation.config.Settings;
import dev.homelab.remediation.ingest.EventParser;
import dev.homelab.remediation.ingest.ParseOutcome;
import dev.homelab.remediation.ingest.RedisUris;
import dev.homelab.remediation.local.LocalCluster;
import dev.homelab.remediation.local.LocalMode;
import dev.homelab.remediation.local.LocalSettings;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code remediation-operator publish}: sends one health event to Redis, so trying the operator
 * needs no redis-cli. Shape A (node agent, {@code event_type}) goes to the health channel, shape B
 * (control plane, {@code type}) to the world channel.
 */
@Command(
    name = "publish",
    mixinStandardHelpOptions = true,
    description = {
      "Publish one health event to Redis: a built-in sample, a file, or inline JSON, in either "
          + "shape (node agent: event_type; control plane: type).",
      "Samples: zigbee (node agent, chelsty/zigbee2mqtt, always needs a person), "
          + "ollama (control plane, solaria/ollama). Sample timestamps are the current time.",
      "Example: publish '{\"event_type\":\"service_unhealthy\",\"node\":\"solaria\",\"service\":\"redis\"}'"
    })
public final class PublishCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  @Option(
      names = "--redis-url",
      paramLabel = "URL",
      description =
          "Redis to publish to (default: REDIS_URL, else local mode's redis://127.0.0.1:<LOCAL_REDIS_PORT or 26379>).")
  String redisUrl;

  @Option(
      names = "--channel",
      paramLabel = "CHANNEL",
      description =
          "Channel (default: HEALTH_CHANNEL or health_events; WORLD_CHANNEL or world_updates for shape B or --world).")
  String channel;

  @Option(names = "--world", description = "Publish to the world channel whatever the shape.")
  boolean world;

  @Option(
      names = "--sample",
      paramLabel = "NAME",
      description = "A built-in event: ${COMPLETION-CANDIDATES}.")
  Sample sample;

  @Option(names = "--file", paramLabel = "FILE", description = "A file holding one JSON event.")
  Path file;

  @Parameters(arity = "0..1", paramLabel = "JSON", description = "The event as inline JSON.")
  String inline;

  @Spec CommandSpec spec;

  /** The built-in events. */
  public enum Sample {
    zigbee,
    ollama
  }

  /** The environment; tests replace it. */
  Map<String, String> env = System.getenv();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    int given = (sample != null ? 1 : 0) + (file != null ? 1 : 0) + (inline != null ? 1 : 0);
    if (given != 1) {
      err.println(
          "remediation-operator publish: give exactly one event: --sample zigbee|ollama, --file FILE, "
              + "or inline JSON");
      err.flush();
      return 2;
    }
    ObjectNode event;
    try {
      event = event(Clock.systemUTC());
    } catch (IOException | IllegalArgumentException e) {
      err.println("remediation-operator publish: " + e.getMessage());
      err.flush();
      return 2;
    }
    int maxBytes;
    try {
      maxBytes = Settings.MAX_MESSAGE_BYTES.read(env); // the operator's, when it is set here
    } catch (RuntimeException e) {
      maxBytes = Settings.MAX_MESSAGE_BYTES.defaultValue();
    }
    String rejected = rejection(event, maxBytes);
    if (rejected != null) {
      err.println(
          "remediation-operator publish: warning: the operator rejects this event ("
              + rejected
              + "); it is published all the same");
      err.flush();
    }
    boolean shapeB = !event.has("event_type") && event.has("type");
    String ch =
        channel != null
            ? channel
            : world || shapeB
                ? env.getOrDefault(
                    Settings.WORLD_CHANNEL.env(), Settings.WORLD_CHANNEL.defaultValue())
                : env.getOrDefault(
                    Settings.HEALTH_CHANNEL.env(), Settings.HEALTH_CHANNEL.defaultValue());
    String url = redisUrl != null ? redisUrl : defaultRedisUrl(env);
    String shown = LocalCommand.redact(url);
    RedisURI uri;
    try {
      uri =
          RedisUris.create(
              url,
              Optional.ofNullable(env.get(Settings.REDIS_PASSWORD.env()))
                  .filter(p -> !p.isBlank()));
    } catch (IllegalArgumentException e) {
      err.println("remediation-operator publish: not a Redis URL: " + shown);
      err.flush();
      return 2;
    }
    uri.setTimeout(TIMEOUT);
    long receivers;
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      receivers = c.sync().publish(ch, event.toString());
    } catch (RuntimeException e) {
      err.println(
          "remediation-operator publish: cannot publish to "
              + shown
              + ": "
              + LocalCluster.rootMessage(e)
              + ". Is `remediation-operator local` running? Otherwise give --redis-url or set REDIS_URL.");
      err.flush();
      return 1;
    } finally {
      client.shutdown(0, TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
    String what =
        event.path("event_type").asText(event.path("type").asText("?")) + " for " + svcKey(event);
    if (receivers == 0) {
      err.println(
          "remediation-operator publish: sent "
              + what
              + " to "
              + ch
              + " on "
              + shown
              + ", but nobody is subscribed to that channel, so it is lost. Is `remediation-operator local` "
              + "(or the operator) running and connected to this Redis?");
      err.flush();
      return 1;
    }
    out.println(
        "published "
            + what
            + " to "
            + ch
            + " on "
            + shown
            + ": received by "
            + receivers
            + (receivers == 1 ? " subscriber" : " subscribers"));
    out.flush();
    return 0;
  }

  /** Why the operator's intake would reject {@code event} ("reason: detail"), or null. */
  static String rejection(ObjectNode event, int maxBytes) {
    ParseOutcome o =
        new EventParser(maxBytes)
            .parse(
                event.toString().getBytes(StandardCharsets.UTF_8),
                Settings.HEALTH_CHANNEL.defaultValue(),
                Instant.now());
    return o instanceof ParseOutcome.Rejected r ? r.reason().tag() + ": " + r.detail() : null;
  }

  private ObjectNode event(Clock clock) throws IOException {
    String text;
    if (sample != null) {
      return sample(sample, clock);
    } else if (file != null) {
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IOException("cannot read " + file + ": " + LocalMode.describe(e), e);
      }
    } else {
      text = inline;
    }
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the event is not JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("the event must be one JSON object");
    }
    return (ObjectNode) node;
  }

  /** A built-in event, stamped with the current time. */
  static ObjectNode sample(Sample s, Clock clock) {
    ObjectNode e = JSON.createObjectNode();
    switch (s) {
      case zigbee -> {
        e.put("event_type", "service_unhealthy");
        e.put("node", "chelsty");
        e.put("service", "zigbee2mqtt");
        e.put("severity", "warning");
        e.put("message", "health check failing for 3m");
        e.putObject("details")
            .put("container", "zigbee2mqtt")
            .put("restart_count", 4)
            .put("exit_code", 137);
        e.put("timestamp", clock.instant().toString());
      }
      case ollama -> {
        e.put("type", "container_restarting");
        e.put("svc_key", "solaria/ollama");
        e.putObject("data")
            .put("node", "solaria")
            .put("service", "ollama")
            .put("state", "restarting")
            .put("previous_state", "running")
            .put("reason", "crash loop");
        e.put("ts", clock.millis() / 1000.0);
      }
    }
    return e;
  }

  private static String svcKey(JsonNode e) {
    if (e.hasNonNull("svc_key")) {
      return e.get("svc_key").asText();
    }
    String node = e.path("node").asText(e.path("data").path("node").asText("?"));
    String service = e.path("service").asText(e.path("data").path("service").asText(""));
    return service.isEmpty() ? node : node + "/" + service;
  }

  /** REDIS_URL, else local mode's embedded Redis. */
  static String defaultRedisUrl(Map<String, String> env) {
    String url = env.get(Settings.REDIS_URL.env());
    if (url != null && !url.isBlank()) {
      return url.trim();
    }
    String port = env.get(LocalSettings.REDIS_PORT_ENV);
    return "redis://127.0.0.1:"
        + (port == null || port.isBlank() ? LocalSettings.DEFAULT_REDIS_PORT : port.trim());
  }
}
