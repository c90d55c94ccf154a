package dev.patchwave.engine;

import dev.patchwave.testing.SshFleet;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The incident replay on the embedded default database (H2). */
@QuarkusTest
@QuarkusTestResource(value = SshFleet.class, restrictToAnnotatedClass = true)
class IncidentReplayTest extends AbstractIncidentReplayTest {}
