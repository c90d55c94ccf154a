package dev.patchwave.inventory.file;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.inventory.InventoryReader;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The static inventory: the file named by {@code patchwave.inventory.file}, or the bundled demo
 * fleet when neither a file nor Kubernetes nodes are configured. Read once at start; an invalid
 * file stops the controller with every problem listed, since running against half an inventory is
 * worse than not running.
 */
@ApplicationScoped
@Typed(ConfiguredHostSource.class)
public class ConfiguredHostSource implements HostSource {

  static final String DEMO_FLEET = "demo/fleet.yaml";
  private static final Logger LOG = Logger.getLogger(ConfiguredHostSource.class);

  private final List<Host> hosts;
  private final String origin;

  public ConfiguredHostSource(
      @ConfigProperty(name = "patchwave.inventory.file") Optional<Path> file,
      @ConfigProperty(name = "patchwave.kubernetes.enabled") boolean kubernetes,
      @ConfigProperty(name = "patchwave.inventory.max-bytes", defaultValue = "64M")
          io.quarkus.runtime.configuration.MemorySize maxBytes,
      @ConfigProperty(name = "patchwave.inventory.max-hosts", defaultValue = "200000")
          int maxHosts) {
    if (file.isEmpty() && kubernetes) {
      // Kubernetes nodes are the inventory; the demo fleet is for a controller with none
      this.origin = "no static inventory file";
      this.hosts = List.of();
      LOG.info("inventory: no static file; Kubernetes nodes only");
      return;
    }
    this.origin = file.map(Path::toString).orElse("bundled demo fleet (" + DEMO_FLEET + ")");
    InventoryReader.Limits limits =
        new InventoryReader.Limits(
            (int) Math.min(Integer.MAX_VALUE, maxBytes.asLongValue()), maxHosts);
    this.hosts = file.isEmpty() ? read(origin, readDemo(), limits) : readPath(file.get(), limits);
    LOG.infof("inventory: %d hosts from %s", hosts.size(), origin);
  }

  /**
   * The hosts of an inventory file, or of every {@code *.yaml}, {@code *.yml} and {@code *.json}
   * file of a directory (in name order; a host name in two files is an error naming both).
   */
  static List<Host> readPath(Path path, InventoryReader.Limits limits) {
    if (!Files.isDirectory(path)) {
      return read(path.toString(), readFile(path), limits);
    }
    List<Path> files;
    try (var list = Files.list(path)) {
      files =
          list.filter(p -> p.getFileName().toString().matches(".*\\.(yaml|yml|json)"))
              .filter(Files::isRegularFile)
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list inventory directory " + path, e);
    }
    java.util.Map<String, Path> from = new java.util.HashMap<>();
    List<Host> all = new java.util.ArrayList<>();
    for (Path f : files) {
      for (Host h : read(f.toString(), readFile(f), limits)) {
        Path other = from.putIfAbsent(h.name(), f);
        if (other != null) {
          throw new IllegalStateException(
              "inventory " + path + ": host " + h.name() + " is in both " + other + " and " + f);
        }
        all.add(h);
      }
    }
    if (all.size() > limits.maxHosts()) {
      throw new IllegalStateException(
          "inventory "
              + path
              + ": "
              + all.size()
              + " hosts; at most "
              + limits.maxHosts()
              + " (patchwave.inventory.max-hosts)");
    }
    all.sort(java.util.Comparator.comparing(Host::name));
    return List.copyOf(all);
  }

  private static List<Host> read(String origin, String text, InventoryReader.Limits limits) {
    try {
      return InventoryReader.read(text, limits);
    } catch (DocumentException e) {
      throw new IllegalStateException(
          "inventory "
              + origin
              + " is invalid:\n  "
              + String.join("\n  ", e.problems().stream().map(Object::toString).toList()),
          e);
    }
  }

  @Override
  public List<Host> hosts() {
    return hosts;
  }

  /** Where the hosts came from, for people. */
  public String origin() {
    return origin;
  }

  private static String readFile(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read inventory file " + p, e);
    }
  }

  private static String readDemo() {
    try (InputStream in =
        Thread.currentThread().getContextClassLoader().getResourceAsStream(DEMO_FLEET)) {
      if (in == null) {
        throw new IllegalStateException("bundled demo fleet " + DEMO_FLEET + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
