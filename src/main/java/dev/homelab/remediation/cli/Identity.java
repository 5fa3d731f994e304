package dev.homelab.remediation.cli;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;

/** Who the caller is, as the API server sees them, for {@code approved-by}. */
final class Identity {
  private Identity() {}

  /**
   * The user name of a SelfSubjectReview (authentication.k8s.io/v1, Kubernetes 1.28 on), else the
   * user of the kubeconfig's current context, else empty.
   */
  static Optional<String> of(KubernetesClient client) {
    try {
      SelfSubjectReview review =
          client
              .authentication()
              .v1()
              .selfSubjectReviews()
              .create(new SelfSubjectReviewBuilder().build());
      if (review != null
          && review.getStatus() != null
          && review.getStatus().getUserInfo() != null
          && notBlank(review.getStatus().getUserInfo().getUsername())) {
        return Optional.of(review.getStatus().getUserInfo().getUsername());
      }
    } catch (KubernetesClientException e) {
      // An older API server (404), or one that does not allow it: the kubeconfig says who.
    }
    return kubeconfigUser(client.getConfiguration());
  }

  static Optional<String> kubeconfigUser(Config config) {
    NamedContext current = config.getCurrentContext();
    if (current != null
        && current.getContext() != null
        && notBlank(current.getContext().getUser())) {
      return Optional.of(current.getContext().getUser());
    }
    return Optional.empty();
  }

  /**
   * Who made a silence: as {@link #of}, else the kubeconfig's basic-auth user name, else {@code
   * $USER}, else {@code unknown}.
   */
  static String creator(KubernetesClient client, java.util.Map<String, String> env) {
    Optional<String> who = of(client);
    if (who.isPresent()) {
      return who.get();
    }
    String basic = client.getConfiguration().getUsername();
    if (notBlank(basic)) {
      return basic;
    }
    String user = env.get("USER");
    return notBlank(user) ? user : "unknown";
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}
