package dev.homelab.remediation.local;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.api.model.RootPathsBuilder;
import io.fabric8.kubernetes.api.model.ServerAddressByClientCIDRBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The discovery documents kubectl reads before it does anything ({@code /api}, {@code /apis},
 * {@code /api/v1}, {@code /apis/<group>/<version>}), for the few resources local mode serves: the
 * proposals and silences (from their CRDs), core Events and Namespaces, CRDs and Leases. The
 * Fabric8 mock server in CRUD mode answers these paths with a generic List, which kubectl cannot
 * use.
 */
final class Discovery {
  private static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  /** One resource kind as discovery describes it. */
  record Resource(
      String group,
      String version,
      String plural,
      String singular,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      List<String> categories,
      boolean statusSubresource) {

    String groupVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }

    String path() {
      return group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    }
  }

  private final List<Resource> resources;
  private final int port;

  Discovery(List<CustomResourceDefinition> crds, int port) {
    this.port = port;
    List<Resource> all = new ArrayList<>();
    all.add(
        new Resource(
            "",
            "v1",
            "namespaces",
            "namespace",
            "Namespace",
            false,
            List.of("ns"),
            List.of(),
            true));
    all.add(
        new Resource("", "v1", "events", "event", "Event", true, List.of("ev"), List.of(), false));
    all.add(
        new Resource(
            "apiextensions.k8s.io",
            "v1",
            "customresourcedefinitions",
            "customresourcedefinition",
            "CustomResourceDefinition",
            false,
            List.of("crd", "crds"),
            List.of("api-extensions"),
            true));
    all.add(
        new Resource(
            "coordination.k8s.io",
            "v1",
            "leases",
            "lease",
            "Lease",
            true,
            List.of(),
            List.of(),
            false));
    for (CustomResourceDefinition crd : crds) {
      var names = crd.getSpec().getNames();
      for (CustomResourceDefinitionVersion v : crd.getSpec().getVersions()) {
        if (Boolean.TRUE.equals(v.getServed())) {
          all.add(
              new Resource(
                  crd.getSpec().getGroup(),
                  v.getName(),
                  names.getPlural(),
                  names.getSingular(),
                  names.getKind(),
                  "Namespaced".equals(crd.getSpec().getScope()),
                  listOf(names.getShortNames()),
                  listOf(names.getCategories()),
                  v.getSubresources() != null && v.getSubresources().getStatus() != null));
        }
      }
    }
    this.resources = List.copyOf(all);
  }

  private static List<String> listOf(List<String> l) {
    return l == null ? List.of() : List.copyOf(l);
  }

  /**
   * The resource a request path is about ({@code /apis/g/v/namespaces/ns/plural/...}), if known.
   */
  Optional<Resource> resourceOf(String path) {
    for (Resource r : resources) {
      String prefix = r.path() + "/";
      if (!path.startsWith(prefix)) {
        continue;
      }
      String[] rest = path.substring(prefix.length()).split("/");
      String plural = rest.length >= 3 && rest[0].equals("namespaces") ? rest[2] : rest[0];
      if (plural.equals(r.plural())) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** The JSON document for a discovery path, or empty when the path is not a discovery path. */
  Optional<String> document(String path) {
    switch (path) {
      case "/":
        return Optional.of(json(new RootPathsBuilder().withPaths(rootPaths()).build()));
      case "/version":
        return Optional.of(json(version()));
      case "/api":
        return Optional.of(
            json(
                new APIVersionsBuilder()
                    .withVersions("v1")
                    .withServerAddressByClientCIDRs(
                        new ServerAddressByClientCIDRBuilder()
                            .withClientCIDR("0.0.0.0/0")
                            .withServerAddress("127.0.0.1:" + port)
                            .build())
                    .build()));
      case "/apis":
        return Optional.of(json(new APIGroupListBuilder().withGroups(groups()).build()));
      default:
        break;
    }
    for (APIGroup g : groups()) {
      if (path.equals("/apis/" + g.getName())) {
        return Optional.of(json(g));
      }
    }
    Map<String, List<Resource>> byPath = new LinkedHashMap<>();
    for (Resource r : resources) {
      byPath.computeIfAbsent(r.path(), k -> new ArrayList<>()).add(r);
    }
    List<Resource> list = byPath.get(path);
    if (list == null) {
      return Optional.empty();
    }
    APIResourceListBuilder b =
        new APIResourceListBuilder().withGroupVersion(list.get(0).groupVersion());
    for (Resource r : list) {
      b.addToResources(
          new APIResourceBuilder()
              .withName(r.plural())
              .withSingularName(r.singular())
              .withNamespaced(r.namespaced())
              .withKind(r.kind())
              .withVerbs(VERBS)
              .withShortNames(r.shortNames().isEmpty() ? null : r.shortNames())
              .withCategories(r.categories().isEmpty() ? null : r.categories())
              .build());
      if (r.statusSubresource()) {
        b.addToResources(
            new APIResourceBuilder()
                .withName(r.plural() + "/status")
                .withSingularName("")
                .withNamespaced(r.namespaced())
                .withKind(r.kind())
                .withVerbs("get", "patch", "update")
                .build());
      }
    }
    return Optional.of(json(b.build()));
  }

  private List<String> rootPaths() {
    List<String> paths = new ArrayList<>(List.of("/api", "/api/v1", "/apis"));
    for (APIGroup g : groups()) {
      paths.add("/apis/" + g.getName());
      g.getVersions().forEach(v -> paths.add("/apis/" + v.getGroupVersion()));
    }
    paths.addAll(List.of("/healthz", "/livez", "/readyz", "/version"));
    return paths;
  }

  private List<APIGroup> groups() {
    Map<String, APIGroupBuilder> groups = new LinkedHashMap<>();
    for (Resource r : resources) {
      if (r.group().isEmpty()) {
        continue;
      }
      APIGroupBuilder g = groups.computeIfAbsent(r.group(), n -> new APIGroupBuilder().withName(n));
      GroupVersionForDiscovery gv = new GroupVersionForDiscovery(r.groupVersion(), r.version());
      if (!g.hasVersions()
          || g.buildVersions().stream().noneMatch(v -> v.getVersion().equals(r.version()))) {
        g.addToVersions(gv);
      }
      if (!g.hasPreferredVersion()) {
        g.withPreferredVersion(gv);
      }
    }
    return groups.values().stream().map(APIGroupBuilder::build).toList();
  }

  private static Map<String, String> version() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("major", "1");
    v.put("minor", "32");
    v.put("gitVersion", "v1.32.0-remediation-local");
    v.put("gitCommit", "");
    v.put("gitTreeState", "clean");
    v.put("buildDate", "2026-01-01T00:00:00Z");
    v.put("goVersion", "none (Fabric8 mock server)");
    v.put("compiler", "javac");
    v.put("platform", "local");
    return v;
  }

  private static String json(Object o) {
    return Serialization.asJson(o);
  }
}
