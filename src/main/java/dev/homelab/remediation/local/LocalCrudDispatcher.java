package dev.homelab.remediation.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import java.io.IOException;

/**
 * The Fabric8 CRUD store as local mode's API server uses it, in memory or kept on disk ({@link
 * StoredCrudDispatcher}): merge patches are applied as the API server applies them ({@link
 * MergePatch}: lists replaced, a null removing its key). The store's own merge appends lists, so a
 * proposal's conditions piled up with every status write.
 */
public class LocalCrudDispatcher extends KubernetesCrudDispatcher {
  private static final ObjectMapper JSON = new ObjectMapper();

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
