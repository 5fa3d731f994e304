package dev.homelab.remediation.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.util.UUID;

/**
 * The Fabric8 CRUD store as local mode's API server uses it, in memory or kept on disk ({@link
 * StoredCrudDispatcher}): merge patches are applied as the API server applies them ({@link
 * MergePatch}: lists replaced, a null removing its key). The store's own merge appends lists, so a
 * proposal's conditions piled up with every status write. A created object gets a random uid, as
 * from an API server: the store counts them from {@code 00000000-0000-0000-0000-000000000001}, so
 * every proposal's action id (its name and the start of its uid) ended {@code -00000000}, the same
 * for a proposal deleted and made again, whose restart then wrote no {@code remediation_started}.
 */
public class LocalCrudDispatcher extends KubernetesCrudDispatcher {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** True while stored objects are loaded at start: they keep their uid. */
  protected boolean loading;

  /** The uid the store gave the object being created on this thread, and the one it got. */
  private final ThreadLocal<String[]> renamed = new ThreadLocal<>();

  @Override
  public MockResponse handleCreate(RecordedRequest request) {
    try {
      MockResponse r = super.handleCreate(request);
      String[] uid = renamed.get();
      if (uid != null && r.code() == 201 && r.getBody() != null) {
        JsonNode body = JSON.readTree(r.getBody().readUtf8());
        if (body.path("metadata") instanceof ObjectNode m
            && uid[0].equals(m.path("uid").asText())) {
          m.put("uid", uid[1]);
        }
        r.setBody(JSON.writeValueAsString(body));
      }
      return r;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      renamed.remove();
    }
  }

  /** Every write of the store ends here, under its write lock; a create gets its random uid. */
  @Override
  public final void processEvent(
      String path,
      AttributeSet pathAttributes,
      AttributeSet oldAttributes,
      GenericKubernetesResource resource,
      String newState) {
    String state = newState;
    if (oldAttributes == null && !loading && resource != null && resource.getMetadata() != null) {
      String counted = resource.getMetadata().getUid();
      String random = UUID.randomUUID().toString();
      resource.getMetadata().setUid(random);
      state = Serialization.asJson(resource);
      renamed.set(new String[] {counted, random});
    }
    store(path, oldAttributes, state);
    super.processEvent(path, pathAttributes, oldAttributes, resource, state);
  }

  /** Before memory and the watches see a write: {@link StoredCrudDispatcher} writes its file. */
  protected void store(String path, AttributeSet oldAttributes, String newState) {}

  @Override
  public JsonNode merge(JsonNode source, String patch) throws KubernetesCrudDispatcherException {
    JsonNode p;
    try {
      p = JSON.readTree(patch);
    } catch (IOException e) {
      throw new KubernetesCrudDispatcherException(
          "the merge patch is not JSON: " + e.getMessage(), 400);
    }
    if (p == null || !p.isObject()) {
      // As the API server answers: a merge patch of an object is an object.
      throw new KubernetesCrudDispatcherException("a merge patch must be a JSON object", 400);
    }
    JsonNode merged = MergePatch.apply(source, p);
    if (!merged.path("metadata").isObject()) {
      throw new KubernetesCrudDispatcherException("metadata must be an object", 422);
    }
    return merged;
  }
}
