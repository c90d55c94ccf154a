package dev.patchwave.persistence;

import dev.patchwave.testing.PostgresProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The lease on PostgreSQL, the production database (row locks are real there). */
@QuarkusTest
@TestProfile(PostgresProfile.class)
class RolloutLeasePostgresTest extends AbstractRolloutLeaseTest {}
