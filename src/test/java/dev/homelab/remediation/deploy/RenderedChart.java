package dev.homelab.remediation.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The chart rendered by Helm (helm-java's bundled Helm 3), split and parsed with Fabric8. */
final class RenderedChart {
  static final Path CHART = Path.of("helm");
  static final String RELEASE = "remediation-operator";
  static final String NAMESPACE = "homelab";

  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

  /** What {@link #withHooks} renames the hook annotation to while Helm renders. */
  private static final String HOOK_STAND_IN = "rendered-as-manifest.test/helm.sh-hook";

  final String text;
  final List<HasMetadata> objects;

  private RenderedChart(String text, List<HasMetadata> objects) {
    this.text = text;
    this.objects = objects;
  }

  /** {@code helm template remediation-operator helm/ --namespace homelab}. */
  static String template(Optional<String> valuesYaml, Path scratch) {
    return template(CHART, valuesYaml, scratch);
  }

  private static String template(Path chart, Optional<String> valuesYaml, Path scratch) {
    var cmd = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE);
    if (valuesYaml.isPresent()) {
      try {
        Path file = Files.createTempFile(scratch, "values-", ".yaml");
        Files.writeString(file, valuesYaml.get(), StandardCharsets.UTF_8);
        cmd = cmd.withValuesFile(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return cmd.call();
  }

  static RenderedChart defaults(Path scratch) {
    return parse(template(Optional.empty(), scratch));
  }

  /** Renders with the default values overridden by {@code valuesYaml}. */
  static RenderedChart with(String valuesYaml, Path scratch) {
    return parse(template(Optional.of(valuesYaml), scratch));
  }

  /**
   * The chart's hooks (the {@code helm test} Pod) rendered by Helm as well. helm-java's template,
   * like {@code helm template --no-hooks}, leaves hooks out (so k8s/ has none): in a copy of the
   * chart the hook annotation is renamed, so Helm renders those templates as plain manifests, and
   * renamed back in the output.
   */
  static RenderedChart withHooks(String valuesYaml, Path scratch) {
    try {
      Path copy = Files.createTempDirectory(scratch, "chart-").resolve("remediation-operator");
      try (Stream<Path> files = Files.walk(CHART)) {
        for (Path p : files.toList()) {
          Path to = copy.resolve(CHART.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(to);
          } else if (p.toString().endsWith(".yaml") && p.startsWith(CHART.resolve("templates"))) {
            Files.writeString(to, Files.readString(p).replace("helm.sh/hook", HOOK_STAND_IN));
          } else {
            Files.copy(p, to);
          }
        }
      }
      String text = template(copy, Optional.of(valuesYaml), scratch);
      return parse(text.replace(HOOK_STAND_IN, "helm.sh/hook"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rendered objects that are hooks of this type ({@code test}, {@code pre-install}, ...). */
  List<HasMetadata> hooks(String type) {
    return objects.stream()
        .filter(o -> o.getMetadata().getAnnotations() != null)
        .filter(o -> type.equals(o.getMetadata().getAnnotations().get("helm.sh/hook")))
        .toList();
  }

  /** Every non-empty YAML document, unmarshalled by Fabric8 into its model class. */
  static RenderedChart parse(String text) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : DOCUMENT_SEPARATOR.split(text)) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
        continue;
      }
      KubernetesResource parsed = Serialization.unmarshal(doc, KubernetesResource.class);
      assertThat(parsed).as("rendered document:\n%s", doc).isInstanceOf(HasMetadata.class);
      objects.add((HasMetadata) parsed);
    }
    return new RenderedChart(text, objects);
  }

  /** The one object of this class and kind; fails when there is none or more than one. */
  <T extends HasMetadata> T one(Class<T> type, String kind) {
    List<HasMetadata> found = all(kind);
    assertThat(found).as("%s objects rendered", kind).hasSize(1);
    assertThat(found.get(0)).as("%s parsed by Fabric8", kind).isInstanceOf(type);
    return type.cast(found.get(0));
  }

  List<HasMetadata> all(String kind) {
    return objects.stream().filter(o -> kind.equals(o.getKind())).toList();
  }

  List<String> kinds() {
    return objects.stream().map(HasMetadata::getKind).toList();
  }
}
