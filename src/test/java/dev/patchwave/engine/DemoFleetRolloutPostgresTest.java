package dev.patchwave.engine;

import dev.patchwave.testing.PostgresProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The demo fleet rollout on PostgreSQL, the production database: the PostgreSQL migrations, the
 * Quartz JDBC store with the PostgreSQL delegate, the fenced lease and the events all run on a real
 * server.
 */
@QuarkusTest
@TestProfile(PostgresProfile.class)
class DemoFleetRolloutPostgresTest extends AbstractDemoFleetRolloutTest {}
