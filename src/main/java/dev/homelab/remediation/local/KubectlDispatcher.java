package dev.homelab.remediation.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The request handling of local mode's API server: the Fabric8 CRUD dispatcher (an in-memory store
 * that behaves like the API server for create, get, list, update, patch, delete and WebSocket
 * watches), plus what kubectl needs and the CRUD dispatcher does not give:
 *
 * <ul>
 *   <li>discovery documents ({@link Discovery}), with or without kubectl's {@code ?timeout=32s};
 *   <li>who the caller is (a SelfSubjectReview: the user who runs local mode);
 *   <li>server-side printing ({@link Tables}) when the client asks for {@code as=Table};
 *   <li>field selectors on any field (kubectl describe lists Events by {@code involvedObject.*});
 *   <li>typed list kinds ({@code EventList}, not {@code List}) and a JSON content type, which
 *       client-go needs to decode answers;
 *   <li>watches over plain HTTP (kubectl get -w), as lines for {@link HttpWatch};
 *   <li>a clear refusal of what it cannot do: non-API paths such as the OpenAPI documents,
 *       server-side dry runs (the CRUD dispatcher would write), strategic merge patches of custom
 *       resources (as the API server refuses them), bodies in protobuf (415, which kubectl does not
 *       retry as JSON).
 * </ul>
 */
final class KubectlDispatcher extends Dispatcher {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_TYPE = "application/json";

  private final KubernetesCrudDispatcher crud;
  private final Discovery discovery;
  private final List<CustomResourceDefinition> crds;
  private final Clock clock;

  KubectlDispatcher(
      KubernetesCrudDispatcher crud,
      Discovery discovery,
      List<CustomResourceDefinition> crds,
      Clock clock) {
    this.crud = crud;
    this.discovery = discovery;
    this.crds = List.copyOf(crds);
    this.clock = clock;
  }

  static final String RULES_REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
  static final String SELF_REVIEWS = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

  /** A collection in a namespace: /api/v1/namespaces/NS/KIND, /apis/GROUP/V/namespaces/NS/KIND. */
  private static final Pattern NAMESPACED =
      Pattern.compile("/api(?:s/[^/]+)?/[^/]+/namespaces/([^/]+)/[^/]+");

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Target t = Target.of(request.getPath());
    boolean get = "GET".equals(request.getMethod());
    if (get) {
      Optional<String> doc = discovery.document(t.path());
      if (doc.isPresent()) {
        return json(200, doc.get());
      }
      if (t.path().equals("/healthz") || t.path().equals("/livez") || t.path().equals("/readyz")) {
        return new MockResponse()
            .setResponseCode(200)
            .setHeader("Content-Type", "text/plain")
            .setBody("ok");
      }
    }
    if (!t.path().startsWith("/api/") && !t.path().startsWith("/apis/")) {
      return status(
          404,
          "NotFound",
          "local mode does not serve "
              + t.path()
              + " (no OpenAPI documents: kubectl explain and client-side validation do not work here)");
    }
    if ("POST".equals(request.getMethod()) && t.path().equals(RULES_REVIEWS)) {
      // No RBAC here: whoever asks (JOSDK's leader election does) may do everything.
      return json(
          201,
          "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\","
              + "\"status\":{\"incomplete\":false,\"nonResourceRules\":[],\"resourceRules\":"
              + "[{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]}]}}");
    }
    if ("POST".equals(request.getMethod()) && t.path().equals(SELF_REVIEWS)) {
      // Who the caller is (kubectl auth whoami; approve's default approved-by): one machine, one
      // person, the one who runs local mode, rather than the kubeconfig's user entry.
      ObjectNode review = JSON.createObjectNode();
      review.put("apiVersion", "authentication.k8s.io/v1").put("kind", "SelfSubjectReview");
      ObjectNode user = review.putObject("status").putObject("userInfo");
      user.put("username", System.getProperty("user.name", "local"));
      user.putArray("groups").add("system:authenticated");
      return json(201, review.toString());
    }
    if (ProtobufBodies.isProtobuf(request)) {
      // The CRUD dispatcher reads bodies as JSON or YAML and would answer a 500 (the rules review
      // above reads no body, so kubectl auth can-i --list still gets its answer).
      return status(
          415,
          "UnsupportedMediaType",
          ProtobufBodies.refusal(t.path(), discovery.resourceOf(t.path())));
    }
    LabelSelector labels;
    try {
      labels = LabelSelector.parse(t.param("labelSelector"));
    } catch (IllegalArgumentException e) {
      return status(400, "BadRequest", e.getMessage() + ": nothing was read or changed");
    }
    boolean webSocket = "websocket".equalsIgnoreCase(String.valueOf(request.getHeader("Upgrade")));
    if (labels.setBased() && (!get || webSocket)) {
      // The CRUD dispatcher would ignore "in" and "notin" and act on every object.
      return status(
          400,
          "BadRequest",
          "local mode applies label selectors with in or notin only to lists and kubectl get -w:"
              + " nothing was changed (list the objects, then act on them by name)");
    }
    if (get && t.watch()) {
      if (webSocket) {
        return crud.dispatch(request);
      }
      // Over plain HTTP (kubectl get -w), streamed by ApiServer; field and label selectors are
      // applied line by line in watchLine, since the CRUD dispatcher only knows metadata.name.
      return crud.handleWatch(t.withoutParam("fieldSelector", "labelSelector"));
    }
    if (!get && t.param("dryRun") != null) {
      // The CRUD dispatcher ignores dryRun and would really write.
      return status(
          400,
          "BadRequest",
          "local mode cannot do server-side dry runs: nothing was changed "
              + "(use --dry-run=client)");
    }
    if ("POST".equals(request.getMethod())) {
      Matcher m = NAMESPACED.matcher(t.path());
      if (m.matches()
          && crud.findResource(crud.getKey("/api/v1/namespaces/" + m.group(1))) == null) {
        // As the API server answers: nothing is made in a namespace that does not exist.
        ObjectNode s = statusNode(404, "NotFound", "namespaces \"" + m.group(1) + "\" not found");
        s.putObject("details").put("name", m.group(1)).put("kind", "namespaces");
        return json(404, s.toString());
      }
    }
    if ("PATCH".equals(request.getMethod())
        && isCustomResource(t)
        && String.valueOf(request.getHeader("Content-Type")).contains("strategic-merge-patch")) {
      // As the API server answers: custom resources take no strategic merge patches.
      return status(
          415,
          "UnsupportedMediaType",
          "the body of the request was in an unknown format - accepted "
              + "media types include: application/json-patch+json, application/merge-patch+json (use kubectl patch "
              + "--type merge)");
    }
    MockResponse response = get ? get(request, t, labels) : crud.dispatch(request);
    if (response == null) {
      return status(405, "MethodNotAllowed", request.getMethod() + " is not supported");
    }
    if (response.header("Content-Type") == null && !isWebSocket(response)) {
      response.setHeader("Content-Type", JSON_TYPE);
    }
    return response;
  }

  private boolean isCustomResource(Target t) {
    return discovery.resourceOf(t.path()).flatMap(this::crdOf).isPresent();
  }

  /** The CRD that defines {@code r}, if it is a custom resource. */
  private Optional<CustomResourceDefinition> crdOf(Discovery.Resource r) {
    return crds.stream()
        .filter(
            crd ->
                r.group().equals(crd.getSpec().getGroup())
                    && r.plural().equals(crd.getSpec().getNames().getPlural()))
        .findFirst();
  }

  private static boolean isWebSocket(MockResponse r) {
    return r.getWebSocketListener() != null;
  }

  private MockResponse get(RecordedRequest request, Target t, LabelSelector labels) {
    String fieldSelector = t.param("fieldSelector");
    MockResponse r = crud.handleGet(t.withoutParam("fieldSelector", "labelSelector"));
    if (r.code() != 200 || r.getBody() == null) {
      return r;
    }
    JsonNode body;
    try {
      body = JSON.readTree(r.getBody().readUtf8());
    } catch (IOException e) {
      return r;
    }
    Optional<Discovery.Resource> resource = discovery.resourceOf(t.path());
    boolean list = "List".equals(body.path("kind").asText());
    List<JsonNode> items = new ArrayList<>();
    if (list) {
      body.path("items").forEach(items::add);
      if (fieldSelector != null) {
        items.removeIf(item -> !FieldSelector.parse(fieldSelector).matches(item));
      }
      items.removeIf(item -> !labels.matches(item));
    } else {
      items.add(body);
    }
    Optional<List<Tables.Column>> columns = resource.flatMap(this::columns);
    if (columns.isPresent() && acceptsTable(request.getHeader("Accept"))) {
      String rv = body.path("metadata").path("resourceVersion").asText(null);
      return json(200, Tables.table(columns.get(), items, rv, t.param("includeObject")).toString());
    }
    if (!list) {
      return json(200, body.toString());
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("kind", resource.map(x -> x.kind() + "List").orElse("List"));
    out.put("apiVersion", resource.map(Discovery.Resource::groupVersion).orElse("v1"));
    out.set("metadata", body.path("metadata").deepCopy());
    ArrayNode arr = out.putArray("items");
    items.forEach(arr::add);
    return json(200, out.toString());
  }

  /**
   * One event of a watch over plain HTTP, as the line to send, or null to leave it out: an object
   * the client's list already showed (the CRUD dispatcher starts every watch with all matching
   * objects as ADDED, whatever resourceVersion the client gave), or one the field selector
   * excludes. A Table with one row when the client asked for Tables.
   */
  String watchLine(RecordedRequest request, String event) {
    Target t = Target.of(request.getPath());
    JsonNode e;
    try {
      e = JSON.readTree(event);
    } catch (IOException ex) {
      return null;
    }
    JsonNode object = e.path("object");
    String type = e.path("type").asText();
    long since = t.longParam("resourceVersion");
    if ("ADDED".equals(type)
        && since > 0
        && object.path("metadata").path("resourceVersion").asLong(0) <= since) {
      return null;
    }
    String selector = t.param("fieldSelector");
    if (selector != null && !FieldSelector.parse(selector).matches(object)) {
      return null;
    }
    if (!LabelSelector.parse(t.param("labelSelector")).matches(object)) {
      return null;
    }
    Optional<List<Tables.Column>> columns = discovery.resourceOf(t.path()).flatMap(this::columns);
    if (columns.isEmpty() || !acceptsTable(request.getHeader("Accept"))) {
      return e.toString();
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("type", type);
    out.set(
        "object",
        Tables.table(
            columns.get(),
            List.of(object),
            object.path("metadata").path("resourceVersion").asText(null),
            t.param("includeObject")));
    return out.toString();
  }

  private Optional<List<Tables.Column>> columns(Discovery.Resource r) {
    Optional<CustomResourceDefinition> crd = crdOf(r);
    if (crd.isPresent()) {
      return Optional.of(Tables.crdColumns(crd.get(), r.version(), clock));
    }
    if (r.group().isEmpty() && r.plural().equals("events")) {
      return Optional.of(Tables.eventColumns(clock));
    }
    return Optional.empty();
  }

  private static boolean acceptsTable(String accept) {
    return accept != null && accept.replace(" ", "").contains("as=Table;v=v1;g=meta.k8s.io");
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", JSON_TYPE)
        .setBody(body);
  }

  static MockResponse status(int code, String reason, String message) {
    return json(code, statusJson(code, reason, message));
  }

  static String statusJson(int code, String reason, String message) {
    return statusNode(code, reason, message).toString();
  }

  private static ObjectNode statusNode(int code, String reason, String message) {
    ObjectNode s = JSON.createObjectNode();
    s.put("kind", "Status");
    s.put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", "Failure");
    s.put("message", message);
    s.put("reason", reason);
    s.put("code", code);
    return s;
  }

  /** A request path split into path and (raw) query. */
  record Target(String path, String query) {
    static Target of(String uri) {
      int q = uri.indexOf('?');
      return q < 0 ? new Target(uri, "") : new Target(uri.substring(0, q), uri.substring(q + 1));
    }

    Map<String, String> params() {
      Map<String, String> out = new LinkedHashMap<>();
      for (String p : query.split("&")) {
        if (p.isEmpty()) {
          continue;
        }
        int eq = p.indexOf('=');
        String k = eq < 0 ? p : p.substring(0, eq);
        String v = eq < 0 ? "" : p.substring(eq + 1);
        out.put(decode(k), decode(v));
      }
      return out;
    }

    String param(String name) {
      return params().get(name);
    }

    /** A whole-number parameter, or 0 when absent or not a number. */
    long longParam(String name) {
      try {
        return Long.parseLong(String.valueOf(param(name)));
      } catch (NumberFormatException e) {
        return 0;
      }
    }

    long timeoutSeconds() {
      return longParam("timeoutSeconds");
    }

    boolean watch() {
      String w = param("watch");
      return w != null && (w.equalsIgnoreCase("true") || w.equals("1"));
    }

    String withoutParam(String... names) {
      StringBuilder sb = new StringBuilder(path);
      char sep = '?';
      for (String p : query.split("&")) {
        if (p.isEmpty() || List.of(names).contains(decode(p.split("=", 2)[0]))) {
          continue;
        }
        sb.append(sep).append(p);
        sep = '&';
      }
      return sb.toString();
    }

    private static String decode(String s) {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
  }
}
