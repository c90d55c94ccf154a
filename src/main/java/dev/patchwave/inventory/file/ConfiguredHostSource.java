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
      @ConfigProperty(name = "patchwave.kubernetes.enabled") boolean kubernetes) {
    if (file.isEmpty() && kubernetes) {
      // Kubernetes nodes are the inventory; the demo fleet is for a controller with none
      this.origin = "no static inventory file";
      this.hosts = List.of();
      LOG.info("inventory: no static file; Kubernetes nodes only");
      return;
    }
    this.origin = file.map(Path::toString).orElse("bundled demo fleet (" + DEMO_FLEET + ")");
    String text =
        file.map(ConfiguredHostSource::readFile).orElseGet(ConfiguredHostSource::readDemo);
    try {
      this.hosts = InventoryReader.read(text);
    } catch (DocumentException e) {
      throw new IllegalStateException(
          "inventory "
              + origin
              + " is invalid:\n  "
              + String.join("\n  ", e.problems().stream().map(Object::toString).toList()),
          e);
    }
    LOG.infof("inventory: %d hosts from %s", hosts.size(), origin);
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
