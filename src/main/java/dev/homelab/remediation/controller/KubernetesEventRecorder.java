package dev.homelab.remediation.controller;

import dev.homelab.remediation.api.v1alpha1.RemediationProposal;
import dev.homelab.remediation.decision.EventReason;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Core v1 Events with the proposal as involved object, so kubectl describe rp lists them.
 *
 * <p>Repeats aggregate (SPEC 4): one Event per proposal (by uid) and reason, with a deterministic
 * name. The first record creates it with count 1; a repeat sends one JSON merge patch (count + 1,
 * lastTimestamp, the latest message), with the count taken from a bounded LRU cache, so a retry
 * loop costs one small write per attempt and no read. An Event that already exists when this
 * recorder has no count for it (a restarted operator, another replica) is read once and continued;
 * one that the API server has dropped meanwhile (its Event TTL) is created again, from count 1.
 */
public final class KubernetesEventRecorder implements EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesEventRecorder.class);
  public static final String COMPONENT = "remediation-operator";

  /** Names remembered with their count; beyond this the least recently used is forgotten. */
  static final int DEFAULT_CACHE_SIZE = 2048;

  static final int MAX_NAME_LENGTH = 253;
  static final int MAX_MESSAGE_LENGTH = 1000;
  private static final int UID_PREFIX_LENGTH = 8;
  private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private final Map<String, Integer> counts;

  public KubernetesEventRecorder(KubernetesClient client, Clock clock, String instance) {
    this(client, clock, instance, DEFAULT_CACHE_SIZE);
  }

  KubernetesEventRecorder(KubernetesClient client, Clock clock, String instance, int cacheSize) {
    if (cacheSize < 1) {
      throw new IllegalArgumentException("cacheSize must be positive: " + cacheSize);
    }
    this.client = client;
    this.clock = clock;
    this.instance = instance;
    this.counts =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > cacheSize;
          }
        };
  }

  @Override
  public void record(RemediationProposal p, EventReason reason, String message) {
    record(p, reason, message, clock.instant());
  }

  /** As {@link #record(RemediationProposal, EventReason, String)}, with the time it happened. */
  public void record(RemediationProposal p, EventReason reason, String message, Instant at) {
    String name = null;
    try {
      String ns = p.getMetadata().getNamespace();
      name = eventName(p, reason);
      String key = ns + "/" + name;
      String text = message == null ? "" : message;
      text = text.length() > MAX_MESSAGE_LENGTH ? text.substring(0, MAX_MESSAGE_LENGTH) : text;
      Integer known = cached(key);
      if (known != null && patch(ns, name, known + 1, text, at)) {
        remember(key, known + 1);
        return;
      }
      // Not known here, or gone (404: the API server's Event TTL, or a deletion): a new Event.
      if (create(p, ns, name, reason, text, at)) {
        remember(key, 1);
        return;
      }
      // 409: it exists, made before a restart or by another replica. Continue its count.
      Event existing = client.v1().events().inNamespace(ns).withName(name).get();
      if (existing == null) {
        if (!create(p, ns, name, reason, text, at)) {
          throw new IllegalStateException("event " + name + " conflicts but cannot be read");
        }
        remember(key, 1);
        return;
      }
      int next = (existing.getCount() == null ? 1 : existing.getCount()) + 1;
      if (!patch(ns, name, next, text, at)) {
        throw new IllegalStateException("event " + name + " was deleted while it was updated");
      }
      remember(key, next);
    } catch (RuntimeException e) {
      LOG.atWarn()
          .addKeyValue("proposal", p.getMetadata() == null ? null : p.getMetadata().getName())
          .addKeyValue("reason", reason)
          .addKeyValue("event", name)
          .log("could not record event: {}", e.getMessage());
    }
  }

  /**
   * {@code <proposal name>.<first 8 of its uid>.<reason lowercased>}: a DNS subdomain of at most
   * 253 characters (the proposal's name is shortened when needed). The uid keeps a recreated
   * proposal of the same name apart from its predecessor's Events.
   */
  public static String eventName(RemediationProposal p, EventReason reason) {
    String uid = p.getMetadata().getUid() == null ? "" : p.getMetadata().getUid();
    String uidPart = uid.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    uidPart = uidPart.substring(0, Math.min(UID_PREFIX_LENGTH, uidPart.length()));
    String suffix =
        (uidPart.isEmpty() ? "" : "." + uidPart) + "." + reason.name().toLowerCase(Locale.ROOT);
    String base = p.getMetadata().getName().toLowerCase(Locale.ROOT);
    if (base.length() > MAX_NAME_LENGTH - suffix.length()) {
      base = base.substring(0, MAX_NAME_LENGTH - suffix.length());
    }
    // A label may not end in '-' or '.'; a proposal's name starts with an alphanumeric.
    base = base.replaceAll("[-.]+$", "");
    return base + suffix;
  }

  /** How many Event names this recorder remembers a count for (bounded by the cache size). */
  int cacheSize() {
    synchronized (counts) {
      return counts.size();
    }
  }

  private Integer cached(String key) {
    synchronized (counts) {
      return counts.get(key);
    }
  }

  private void remember(String key, int count) {
    synchronized (counts) {
      counts.put(key, count);
    }
  }

  /** Creates the Event with count 1; false when one of this name exists (409). */
  private boolean create(
      RemediationProposal p,
      String ns,
      String name,
      EventReason reason,
      String message,
      Instant at) {
    String now = at.toString();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns)
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(p.getApiVersion())
            .withKind(p.getKind())
            .withName(p.getMetadata().getName())
            .withNamespace(ns)
            .withUid(p.getMetadata().getUid())
            .withResourceVersion(p.getMetadata().getResourceVersion())
            .endInvolvedObject()
            .withReason(reason.name())
            .withMessage(message)
            .withType(reason.type())
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .withHost(instance)
            .endSource()
            .withReportingComponent(COMPONENT)
            .withReportingInstance(instance)
            .build();
    try {
      client.v1().events().inNamespace(ns).resource(event).create();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return false;
      }
      throw e;
    }
  }

  /** Sets the count, lastTimestamp and message by JSON merge patch; false when it is gone (404). */
  private boolean patch(String ns, String name, int count, String message, Instant at) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("count", count);
    fields.put("lastTimestamp", at.toString());
    fields.put("message", message);
    // Patching through an item (name and namespace only) saves Fabric8's GET before the patch.
    Event target =
        new EventBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata().build();
    try {
      client
          .v1()
          .events()
          .inNamespace(ns)
          .resource(target)
          .patch(MERGE, client.getKubernetesSerialization().asJson(fields));
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }
}
