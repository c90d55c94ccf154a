package dev.patchwave.engine;

import io.quarkus.test.junit.QuarkusTest;

/** The demo fleet rollout on the embedded default database (H2). */
@QuarkusTest
class DemoFleetRolloutTest extends AbstractDemoFleetRolloutTest {}
