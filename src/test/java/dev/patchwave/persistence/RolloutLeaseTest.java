package dev.patchwave.persistence;

import io.quarkus.test.junit.QuarkusTest;

/** The lease on the embedded default database (H2). */
@QuarkusTest
class RolloutLeaseTest extends AbstractRolloutLeaseTest {}
