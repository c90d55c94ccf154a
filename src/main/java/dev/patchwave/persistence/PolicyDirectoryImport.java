package dev.patchwave.persistence;

import dev.patchwave.doc.DocumentException;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Imports the policy files of {@code patchwave.policies.dir} at start. A file is imported when its
 * content differs from what was last imported from it, so an edit made through the API survives a
 * restart until the file itself changes. An invalid file is reported (every problem, with its line)
 * and skipped; it never replaces a valid stored policy.
 */
@ApplicationScoped
public class PolicyDirectoryImport {

  private static final Logger LOG = Logger.getLogger(PolicyDirectoryImport.class);

  private final PolicyStore store;
  private final Optional<Path> dir;

  public PolicyDirectoryImport(
      PolicyStore store, @ConfigProperty(name = "patchwave.policies.dir") Optional<Path> dir) {
    this.store = store;
    this.dir = dir;
  }

  void onStart(@Observes StartupEvent event) {
    dir.ifPresent(this::importAll);
  }

  /** Imports every {@code *.yaml}, {@code *.yml} and {@code *.json} file; returns the count. */
  public int importAll(Path directory) {
    if (!Files.isDirectory(directory)) {
      LOG.warnf(
          "policies directory %s does not exist; no policies imported", directory.toAbsolutePath());
      return 0;
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(directory)) {
      files =
          s.filter(Files::isRegularFile)
              .filter(p -> p.getFileName().toString().matches(".*\\.(ya?ml|json)"))
              .sorted()
              .toList();
    } catch (IOException e) {
      LOG.errorf("cannot list policies directory %s: %s", directory, e.getMessage());
      return 0;
    }
    int imported = 0;
    for (Path file : files) {
      if (importFile(file)) {
        imported++;
      }
    }
    LOG.infof(
        "policies: %d of %d files in %s imported or changed", imported, files.size(), directory);
    return imported;
  }

  private boolean importFile(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      LOG.errorf("cannot read policy file %s: %s", file, e.getMessage());
      return false;
    }
    String name = file.getFileName().toString().replaceFirst("\\.(ya?ml|json)$", "");
    try {
      String text = dev.patchwave.doc.Utf8.decode(bytes);
      String sha = sha256(text);
      // The policy's own metadata.name wins over the file name.
      name = dev.patchwave.policy.PolicyReader.read(text).name();
      Optional<StoredPolicy> row = store.row(name);
      if (row.isPresent() && row.get().origin == StoredPolicy.Origin.KUBERNETES) {
        // a RolloutPolicy resource owns it: only that resource changes it
        LOG.warnf(
            "policy file %s names policy '%s', which the RolloutPolicy resource %s manages; not"
                + " imported",
            file, name, row.get().originFile);
        return false;
      }
      if (row.isPresent() && sha.equals(row.get().originSha256)) {
        return false;
      }
      store.save(
          name, text, StoredPolicy.Origin.FILE, file.toString(), sha, "file:" + file.getFileName());
      return true;
    } catch (DocumentException e) {
      LOG.errorf(
          "policy file %s is invalid and was not imported:%n  %s",
          file, String.join("\n  ", e.problems().stream().map(Object::toString).toList()));
      return false;
    }
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
