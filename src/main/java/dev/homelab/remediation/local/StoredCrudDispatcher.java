package dev.homelab.remediation.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.AttributeSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Fabric8 CRUD store with its objects kept in {@link ObjectFiles}: every change is written to
 * disk before it reaches memory and the watches (a failed write fails the request and changes
 * nothing), and every stored object is loaded at start, with its uid, resourceVersion, generation,
 * timestamps, finalizers and status as they were; the resourceVersion counter continues above the
 * highest one stored. So proposals, their cooldown, approvals and retention survive a restart of
 * local mode as they survive an operator restart on a cluster.
 *
 * <p>Like an API server (its {@code --event-ttl} of 1 h), Events older than an hour are dropped at
 * start instead of being loaded.
 */
final class StoredCrudDispatcher extends LocalCrudDispatcher {
  static final Duration EVENT_TTL = Duration.ofHours(1);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ObjectFiles files;
  private int loaded;

  private StoredCrudDispatcher(ObjectFiles files) {
    this.files = files;
  }

  /**
   * Loads every stored object.
   *
   * @throws LocalStartException when the directory cannot be read or holds a file that is not an
   *     object
   */
  static StoredCrudDispatcher open(ObjectFiles files, Clock clock) {
    StoredCrudDispatcher d = new StoredCrudDispatcher(files);
    List<ObjectFiles.Stored> stored;
    try {
      stored = files.loadAll();
    } catch (IOException e) {
      throw new LocalStartException(
          "cannot read the stored API objects in "
              + files.root()
              + ": "
              + LocalMode.describe(e)
              + "; start with --fresh to begin empty");
    }
    d.load(stored, clock);
    return d;
  }

  /** How many objects were loaded at start. */
  int loaded() {
    return loaded;
  }

  private void load(List<ObjectFiles.Stored> stored, Clock clock) {
    // CRDs first, so that the store knows the custom resources' status subresource when their
    // objects arrive.
    List<ObjectFiles.Stored> ordered = new ArrayList<>(stored);
    ordered.sort(Comparator.comparing(s -> !s.plural().equals("customresourcedefinitions")));
    loading = true;
    try {
      long maxResourceVersion = 0;
      for (ObjectFiles.Stored s : ordered) {
        GenericKubernetesResource r = parse(s);
        if (expiredEvent(s, r, clock.instant())) {
          files.delete(s.file());
          continue;
        }
        String path = path(s, r);
        processEvent(path, getKey(path), null, r, s.json());
        loaded++;
        maxResourceVersion = Math.max(maxResourceVersion, resourceVersion(r));
      }
      while (requestResourceVersion() < maxResourceVersion) {
        // the next write gets a resourceVersion above every stored one, as on a real server
      }
    } catch (IOException e) {
      throw new LocalStartException(
          "cannot remove an expired Event in " + files.root() + ": " + LocalMode.describe(e));
    } finally {
      loading = false;
    }
  }

  private static GenericKubernetesResource parse(ObjectFiles.Stored s) {
    GenericKubernetesResource r;
    try {
      r = Serialization.unmarshal(s.json(), GenericKubernetesResource.class);
    } catch (RuntimeException e) {
      throw notAnObject(s, LocalCluster.rootMessage(e));
    }
    if (r == null
        || r.getApiVersion() == null
        || r.getMetadata() == null
        || r.getMetadata().getName() == null) {
      throw notAnObject(s, "no apiVersion or metadata.name");
    }
    String namespace = r.getMetadata().getNamespace();
    if (!Objects.equals(
        namespace == null || namespace.isEmpty() ? null : namespace, s.namespace())) {
      throw notAnObject(s, "its namespace is " + namespace);
    }
    return r;
  }

  private static LocalStartException notAnObject(ObjectFiles.Stored s, String why) {
    return new LocalStartException(
        s.file() + " is not a stored API object (" + why + "); remove it, or start with --fresh");
  }

  /** The object's own API path, from which the store derives its keys. */
  private static String path(ObjectFiles.Stored s, GenericKubernetesResource r) {
    String apiVersion = r.getApiVersion();
    String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
    return (s.group().isEmpty() ? "/api/" + version : "/apis/" + s.group() + "/" + version)
        + (s.clusterScoped() ? "" : "/namespaces/" + s.namespace())
        + "/"
        + s.plural()
        + "/"
        + r.getMetadata().getName();
  }

  private static long resourceVersion(GenericKubernetesResource r) {
    try {
      return Long.parseLong(String.valueOf(r.getMetadata().getResourceVersion()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static boolean expiredEvent(ObjectFiles.Stored s, GenericKubernetesResource r, Instant now) {
    if (!s.plural().equals("events")) {
      return false;
    }
    Map<String, Object> p = r.getAdditionalProperties();
    return Stream.of(
            p.get("lastTimestamp"),
            p.get("eventTime"),
            p.get("deprecatedLastTimestamp"),
            r.getMetadata().getCreationTimestamp())
        .map(StoredCrudDispatcher::instant)
        .flatMap(Optional::stream)
        .findFirst()
        .map(last -> last.plus(EVENT_TTL).isBefore(now))
        .orElse(false);
  }

  private static Optional<Instant> instant(Object value) {
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(value.toString()));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * Every write of the store (create, update, patch, status, delete, finalizer removal) ends here,
   * under the store's write lock: the file first, then memory and the watches.
   */
  @Override
  protected void store(String path, AttributeSet oldAttributes, String newState) {
    if (!loading) {
      write(path, oldAttributes == null ? null : map.get(oldAttributes), newState);
    }
  }

  private void write(String path, String existing, String newState) {
    if (Objects.equals(existing, newState)) {
      return;
    }
    Map<String, String> where =
        ((KubernetesAttributesExtractor) attributeExtractor).fromKubernetesPath(path);
    String group = where.getOrDefault(KubernetesAttributesExtractor.API, "");
    String plural = where.get(KubernetesAttributesExtractor.PLURAL);
    Path file = null;
    try {
      Path old = existing == null ? null : fileOf(group, plural, existing);
      file = newState == null ? old : fileOf(group, plural, newState);
      if (old != null && !old.equals(file)) {
        files.delete(old);
      }
      if (newState != null) {
        files.write(file, newState);
      } else if (old != null) {
        files.delete(old);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "local mode cannot store " + (file == null ? path : file) + ": " + LocalMode.describe(e),
          e);
    }
  }

  private Path fileOf(String group, String plural, String json) throws IOException {
    JsonNode metadata = JSON.readTree(json).path("metadata");
    String namespace = metadata.path("namespace").asText("");
    return files.fileOf(group, plural, namespace, metadata.path("name").asText());
  }
}
