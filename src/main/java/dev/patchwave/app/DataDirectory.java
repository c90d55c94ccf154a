package dev.patchwave.app;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The data directory ({@code patchwave.data-dir}) holds the embedded database (policy sources,
 * check results, the audit log) and the first start's admin token: it is the owner's alone,
 * whatever the umask. At start, before any policy, token or rollout is written, the directory is
 * made {@code rwx------} and every file in it {@code rw-------} (the embedded database creates its
 * file a moment earlier, holding only the empty schema then).
 */
@ApplicationScoped
public class DataDirectory {

  static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  @ConfigProperty(name = "patchwave.data-dir")
  String dir;

  void onStart(@Observes @Priority(Integer.MIN_VALUE + 1) StartupEvent event) {
    secure(Path.of(dir));
  }

  /** Creates {@code dir} if needed; owner-only permissions on it and on every file in it. */
  static void secure(Path dir) {
    try {
      Files.createDirectories(dir);
      if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        return;
      }
      Files.setPosixFilePermissions(dir, DIRECTORY);
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (Files.isRegularFile(f)) {
            Files.setPosixFilePermissions(f, FILE);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make " + dir + " the owner's alone", e);
    }
  }
}
