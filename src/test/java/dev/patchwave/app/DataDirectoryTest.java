package dev.patchwave.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 11, finding 10: the data directory is the owner's alone, whatever the umask. */
class DataDirectoryTest {

  @Test
  void aWorldReadableDirectoryAndDatabaseBecomeTheOwnersAlone(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path db = Files.writeString(data.resolve("patchwave.mv.db"), "schema");
    Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-r--r--"));

    DataDirectory.secure(data);

    assertThat(Files.getPosixFilePermissions(data)).isEqualTo(DataDirectory.DIRECTORY);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db)))
        .isEqualTo("rw-------");
  }

  @Test
  void aMissingDirectoryIsCreatedOwnerOnly(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("new/data");

    DataDirectory.secure(data);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
        .isEqualTo("rwx------");
  }
}
