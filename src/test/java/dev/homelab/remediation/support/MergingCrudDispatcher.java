package dev.homelab.remediation.support;

import dev.homelab.remediation.local.LocalCrudDispatcher;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.util.Map;
import java.util.Queue;

/**
 * The Fabric8 mock server's CRUD mode with its expectations, as {@code KubernetesMixedDispatcher}
 * routes them (an expectation set for a request answers it, else the CRUD store), but with merge
 * patches applied as the API server applies them (local mode's store: lists replaced, nulls
 * removing their key), so no test passes only because the mock server appends lists.
 */
final class MergingCrudDispatcher extends Dispatcher implements Resetable, CustomResourceAware {
  private final Map<ServerRequest, Queue<ServerResponse>> responses;
  private final MockDispatcher expectations;
  private final LocalCrudDispatcher crud = new LocalCrudDispatcher();

  MergingCrudDispatcher(Map<ServerRequest, Queue<ServerResponse>> responses) {
    this.responses = responses;
    this.expectations = new MockDispatcher(responses);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Queue<ServerResponse> q =
        responses.get(
            new SimpleRequest(HttpMethod.valueOf(request.getMethod()), request.getPath()));
    return q != null && !q.isEmpty() ? expectations.dispatch(request) : crud.dispatch(request);
  }

  @Override
  public void reset() {
    crud.reset();
  }

  @Override
  public void expectCustomResource(CustomResourceDefinitionContext context) {
    crud.expectCustomResource(context);
  }
}
