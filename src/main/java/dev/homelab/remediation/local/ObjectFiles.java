package dev.homelab.remediation.local;

import dev.homelab.remediation.dispatch.AtomicFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Local mode's API objects on disk, one JSON file per object, laid out as etcd keys are: {@code
 * <root>/<group>/<plural>/<namespace>/<name>.json}, with {@code core} for the core group and {@code
 * _cluster} for cluster-scoped objects (neither is a valid group or namespace name). Each file is
 * written atomically ({@link AtomicFiles}), so a crash leaves the previous version or the new one.
 * The file holds the object exactly as the API server answers it; its path says only which
 * collection it belongs to.
 */
final class ObjectFiles {
  static final String CORE = "core";
  static final String CLUSTER = "_cluster";
  private static final Pattern PLAIN_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,198}[a-z0-9])?");
  private static final String SUFFIX = ".json";

  /** One stored object: its collection (from the path) and its JSON. */
  record Stored(Path file, String group, String plural, String namespace, String json) {
    boolean clusterScoped() {
      return namespace == null;
    }
  }

  private final Path root;

  ObjectFiles(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** The file of one object; {@code group} empty for the core group, {@code namespace} null. */
  Path fileOf(String group, String plural, String namespace, String name) {
    return root.resolve(group == null || group.isEmpty() ? CORE : group)
        .resolve(plural)
        .resolve(namespace == null || namespace.isEmpty() ? CLUSTER : namespace)
        .resolve(fileName(name));
  }

  /**
   * A Kubernetes name as a file name: itself when it is a plain DNS name that fits, else a hash
   * (the name is inside the file anyway).
   */
  static String fileName(String name) {
    if (PLAIN_NAME.matcher(name).matches()) {
      return name + SUFFIX;
    }
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      return "~" + HexFormat.of().formatHex(hash) + SUFFIX;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }

  void write(Path file, String json) throws IOException {
    Files.createDirectories(file.getParent());
    AtomicFiles.write(file, json.getBytes(StandardCharsets.UTF_8));
  }

  void delete(Path file) throws IOException {
    if (Files.deleteIfExists(file)) {
      try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
        dir.force(true);
      } catch (IOException e) {
        // Some file systems cannot fsync a directory; the file is gone all the same.
      }
    }
  }

  /**
   * Every stored object. Temporary files a crash left behind are removed.
   *
   * @throws IOException when the tree cannot be read, or holds a file where no object can be
   */
  List<Stored> loadAll() throws IOException {
    List<Stored> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path f : files) {
      String fileName = f.getFileName().toString();
      if (fileName.startsWith(".") && fileName.contains(".tmp-")) {
        Files.deleteIfExists(f);
        continue;
      }
      Path rel = root.relativize(f);
      if (rel.getNameCount() != 4 || !fileName.endsWith(SUFFIX)) {
        throw new IOException(
            f
                + " is not where local mode keeps an object (<group>/<plural>/<namespace>/<name>.json)");
      }
      String group = rel.getName(0).toString();
      String namespace = rel.getName(2).toString();
      out.add(
          new Stored(
              f,
              group.equals(CORE) ? "" : group,
              rel.getName(1).toString(),
              namespace.equals(CLUSTER) ? null : namespace,
              Files.readString(f, StandardCharsets.UTF_8)));
    }
    return out;
  }

  /** Removes every stored object ({@code local --fresh}). */
  void clear() throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    List<Path> all;
    try (Stream<Path> walk = Files.walk(root)) {
      all = walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList();
    }
    for (Path p : all) {
      Files.delete(p);
    }
  }
}
