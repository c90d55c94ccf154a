package dev.patchwave.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@QuarkusTest
class PolicyDirectoryImportTest {

  @Inject PolicyDirectoryImport importer;
  @Inject PolicyStore store;

  static String policy(String name, String soak) {
    return """
        apiVersion: patchwave.dev/v1
        kind: RolloutPolicy
        metadata: {name: %s}
        spec:
          selector: {}
          waves: [{size: 1, soak: %s}, {size: 100%%}]
        """
        .formatted(name, soak);
  }

  @Test
  void aFileIsImportedAgainOnlyWhenItChanges(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("imported.yaml");
    Files.writeString(file, policy("import-test", "1h"));

    assertThat(importer.importAll(dir)).isEqualTo(1);
    assertThat(store.get("import-test").orElseThrow().origin()).isEqualTo(StoredPolicy.Origin.FILE);

    // an edit through the API survives a restart while the file is unchanged
    store.put("import-test", policy("import-test", "3h"), "api", false);
    assertThat(importer.importAll(dir)).isZero();
    assertThat(store.get("import-test").orElseThrow().source()).contains("soak: 3h");

    // a changed file wins
    Files.writeString(file, policy("import-test", "2h"));
    assertThat(importer.importAll(dir)).isEqualTo(1);
    assertThat(store.get("import-test").orElseThrow().source()).contains("soak: 2h");
    assertThat(store.get("import-test").orElseThrow().revision()).isEqualTo(3);
  }

  @Test
  void anInvalidFileIsSkippedAndNeverReplacesAValidPolicy(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("broken.yaml");
    Files.writeString(file, policy("broken-import", "1h"));
    importer.importAll(dir);

    Files.writeString(file, policy("broken-import", "one hour"));
    assertThat(importer.importAll(dir)).isZero();
    assertThat(store.get("broken-import").orElseThrow().source()).contains("soak: 1h");

    Files.writeString(dir.resolve("notes.txt"), "not a policy");
    assertThat(importer.importAll(dir)).isZero();
  }

  @Test
  void aFileDoesNotReplaceAPolicyAKubernetesResourceManages(@TempDir Path dir) throws Exception {
    store.put(
        "kube-owned",
        policy("kube-owned", "1h"),
        "kubernetes:patchwave/kube-owned",
        false,
        StoredPolicy.Origin.KUBERNETES,
        "patchwave/kube-owned");
    Files.writeString(dir.resolve("kube-owned.yaml"), policy("kube-owned", "5m"));
    assertThat(importer.importAll(dir)).isZero();
    PolicyStore.Entry e = store.get("kube-owned").orElseThrow();
    assertThat(e.origin()).isEqualTo(StoredPolicy.Origin.KUBERNETES);
    assertThat(e.originRef()).isEqualTo("patchwave/kube-owned");
    assertThat(e.source()).contains("soak: 1h");
    store.delete("kube-owned");
  }
}
