package dev.patchwave.engine;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Culprit isolation on PostgreSQL, the production database: its unique indexes decide the 30
 * concurrent isolations, and its transactions the verdicts.
 */
@QuarkusTest
@TestProfile(CulpritIsolationPostgresTest.OnPostgres.class)
class CulpritIsolationPostgresTest extends AbstractCulpritIsolationTest {

  /** As the incident replay's, but a controller (a database, a fleet) of its own. */
  public static class OnPostgres extends IncidentReplayPostgresTest.OnPostgres {}
}
