package dev.patchwave.engine;

import dev.patchwave.testing.SshFleet;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Culprit isolation on the embedded default database (H2). */
@QuarkusTest
@QuarkusTestResource(value = SshFleet.class, restrictToAnnotatedClass = true)
class CulpritIsolationTest extends AbstractCulpritIsolationTest {}
