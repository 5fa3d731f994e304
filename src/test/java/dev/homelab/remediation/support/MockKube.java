package dev.homelab.remediation.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Fabric8 mock API server for a test class, and a client of it, put into the class's fields of
 * type {@code KubernetesClient} and {@code KubernetesMockServer}: static fields get one server for
 * the whole class, instance fields a fresh one per test.
 *
 * <p>Instead of Fabric8's {@code @EnableKubernetesMockClient}, which also starts (and stops) a
 * server with its own Vert.x for every test even when the class only has static fields: some 120
 * extra Vert.x instances and self-signed certificates per suite, and a CI run failed one test with
 * Netty's "event executor terminated" from that churn (no stack trace was kept).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(MockKubeExtension.class)
public @interface MockKube {
  /** CRUD mode (a store behind the API) rather than expectations only. */
  boolean crud() default true;

  boolean https() default true;
}
