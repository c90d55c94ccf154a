package dev.patchwave.engine;

import dev.patchwave.testing.EmbeddedPostgres;
import dev.patchwave.testing.PostgresProfile;
import dev.patchwave.testing.SshFleet;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;

/** The incident replay on PostgreSQL, the production database. */
@QuarkusTest
@TestProfile(IncidentReplayPostgresTest.OnPostgres.class)
class IncidentReplayPostgresTest extends AbstractIncidentReplayTest {

  /** PostgreSQL, and the SSH fleet without a database of its own. */
  public static class OnPostgres extends PostgresProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(
          new TestResourceEntry(EmbeddedPostgres.class),
          new TestResourceEntry(SshFleet.class, Map.of("database", "external")));
    }
  }
}
