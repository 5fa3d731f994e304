package dev.homelab.remediation.support;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts and stops the servers of {@link MockKube}. */
public final class MockKubeExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(MockKubeExtension.class);

  /** A server and its client, closed together. */
  private record Running(KubernetesMockServer server, NamespacedKubernetesClient client)
      implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      client.close();
      server.destroy();
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Class<?> type = context.getRequiredTestClass();
    List<Field> fields = fields(type, true);
    if (!fields.isEmpty()) {
      Running r = start(settings(type));
      context.getStore(NS).put("static", r);
      inject(fields, null, r);
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    Object instance = context.getRequiredTestInstance();
    List<Field> fields = fields(instance.getClass(), false);
    if (!fields.isEmpty()) {
      Running r = start(settings(instance.getClass()));
      context.getStore(NS).put("instance", r);
      inject(fields, instance, r);
    }
  }

  // The store closes what was put in it when its context ends: after each test, after the class.
  @Override
  public void afterEach(ExtensionContext context) {}

  @Override
  public void afterAll(ExtensionContext context) {}

  private static MockKube settings(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
      MockKube m = c.getAnnotation(MockKube.class);
      if (m != null) {
        return m;
      }
    }
    throw new IllegalStateException(type + " is not annotated @MockKube");
  }

  private static Running start(MockKube settings) {
    // The expectations (server.expect()) and the dispatcher that answers them share one map.
    var expectations = new HashMap<ServerRequest, Queue<ServerResponse>>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            expectations,
            settings.crud()
                ? new MergingCrudDispatcher(expectations)
                : new MockDispatcher(expectations),
            settings.https());
    server.init();
    try {
      return new Running(server, server.createClient());
    } catch (RuntimeException e) {
      server.destroy();
      throw e;
    }
  }

  private static List<Field> fields(Class<?> type, boolean statics) {
    List<Field> found = new ArrayList<>();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) == statics
            && (f.getType() == KubernetesClient.class
                || f.getType() == KubernetesMockServer.class)) {
          found.add(f);
        }
      }
    }
    return found;
  }

  private static void inject(List<Field> fields, Object target, Running r)
      throws IllegalAccessException {
    for (Field f : fields) {
      f.setAccessible(true);
      f.set(target, f.getType() == KubernetesMockServer.class ? r.server() : r.client());
    }
  }
}
