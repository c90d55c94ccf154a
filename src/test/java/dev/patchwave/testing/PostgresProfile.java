package dev.patchwave.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@code @QuarkusTest} against PostgreSQL instead of H2: the same Flyway migrations (from
 * {@code db/migration/postgresql}), the same Quartz JDBC store, a real server.
 */
public class PostgresProfile implements QuarkusTestProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of("quarkus.datasource.db-kind", "postgresql");
  }

  @Override
  public List<TestResourceEntry> testResources() {
    return List.of(new TestResourceEntry(EmbeddedPostgres.class));
  }

  @Override
  public String getConfigProfile() {
    return "test";
  }
}
