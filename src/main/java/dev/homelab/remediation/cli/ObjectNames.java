package dev.homelab.remediation.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The NAME argument of {@code approve}, {@code reject}, {@code explain} and {@code silence expire},
 * taken as kubectl takes it: {@code NAME}, or {@code TYPE/NAME} where TYPE is the resource's short
 * name, singular, plural or kind, alone or with its group ({@code rp/NAME}, {@code
 * remediationproposals.remediation.homelab.dev/NAME}). Anything else, and a name the API server
 * would refuse, is a usage error found before any request (the Fabric8 client turned {@code
 * rp/NAME} into a bare "An error has occurred.").
 */
final class ObjectNames {
  /** An object name as the API server takes it for a custom resource: a DNS-1123 subdomain. */
  private static final Pattern NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private static final int MAX_LENGTH = 253;

  private ObjectNames() {}

  /**
   * The object name in {@code arg}, for a resource of {@code type}.
   *
   * @throws IllegalArgumentException with the message to print when it names another type or is not
   *     a valid object name
   */
  static String parse(String arg, Class<? extends HasMetadata> type) {
    String kind = HasMetadata.getKind(type);
    List<String> types = types(type);
    String name = arg == null ? "" : arg;
    int slash = name.indexOf('/');
    if (slash >= 0) {
      String given = name.substring(0, slash);
      if (!types.contains(given.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(
            "'"
                + arg
                + "': "
                + (given.isEmpty() ? "no type" : given + " is not a " + kind)
                + " (give NAME, "
                + types.get(0)
                + "/NAME or "
                + HasMetadata.getPlural(type)
                + "/NAME); nothing was done");
      }
      name = name.substring(slash + 1);
    }
    if (name.length() > MAX_LENGTH || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "'"
              + arg
              + "' is not a "
              + kind
              + " name (a Kubernetes object name: lower-case letters, digits, '-' and '.', starting"
              + " and ending with a letter or digit, at most "
              + MAX_LENGTH
              + " characters); nothing was done");
    }
    return name;
  }

  /** What kubectl accepts before the slash, lower case, the short name first. */
  static List<String> types(Class<? extends HasMetadata> type) {
    List<String> bare = new ArrayList<>();
    ShortNames shortNames = type.getAnnotation(ShortNames.class);
    if (shortNames != null) {
      bare.addAll(List.of(shortNames.value()));
    }
    bare.add(HasMetadata.getSingular(type));
    bare.add(HasMetadata.getPlural(type));
    bare.add(HasMetadata.getKind(type).toLowerCase(Locale.ROOT));
    String group = HasMetadata.getGroup(type);
    String version = HasMetadata.getVersion(type);
    List<String> all = new ArrayList<>();
    for (String t : bare) {
      all.add(t);
      all.add(t + "." + group);
      all.add(t + "." + version + "." + group);
    }
    return all.stream().distinct().toList();
  }
}
