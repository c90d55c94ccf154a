package dev.patchwave.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.host.simulated.SimulatedHostExecutor;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.testing.RolloutJson;
import dev.patchwave.testing.TestTokens;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo: the bundled fleet's kernel 6.8.0-49.49 panics dell-r650 hosts on reboot. A rollout of
 * the Kafka brokers halts on the canary, quarantines the version, and pins it everywhere else. The
 * policy turns the trial boot off: the canary stays down (the path of hosts that cannot boot on
 * trial; the incident replay shows the trial boot).
 */
abstract class AbstractDemoFleetRolloutTest {

  @Inject SimulatedHostExecutor simulated;

  @BeforeAll
  static void yamlIsText() {
    TestTokens.actAsAdmin();
    RestAssured.config =
        RestAssured.config()
            .encoderConfig(
                EncoderConfig.encoderConfig()
                    .encodeContentTypeAs("application/yaml", ContentType.TEXT));
  }

  static final String POLICY =
      """
      apiVersion: patchwave.dev/v1
      kind: RolloutPolicy
      metadata: {name: canary-test-brokers}
      spec:
        selector: {matchLabels: {role: kafka}}
        packages: {origin: security, include: ["linux-*"]}
        disruption: {groupBy: [kafka-cluster], maxUnavailablePerGroup: 1, maxUnavailable: 1}
        canary: {coverBy: [os-release, hardware]}
        waves:
          - {name: canary, size: 1}
          - {size: 50%}
          - {size: 100%}
        reboot: {when: ifRequired, trial: false}
        health: {interval: 5s, timeout: 5s}
      """;

  @Test
  void theCanaryHaltsTheBadKernelAndNothingElseGetsIt() {
    given()
        .contentType("application/yaml")
        .body(POLICY)
        .put("/api/v1/policies/canary-test-brokers")
        .then()
        .statusCode(201);

    long id =
        given()
            .contentType(ContentType.JSON)
            .body("{\"policy\": \"canary-test-brokers\"}")
            .post("/api/v1/rollouts")
            .then()
            .statusCode(201)
            .extract()
            .jsonPath()
            .getLong("id");

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> given().get("/api/v1/rollouts/" + id).jsonPath().getString("phase"),
            p -> p.equals("HALTED"));

    var rollout = RolloutJson.of(id);
    assertThat(rollout.getString("reason")).isEqualTo("TOO_MANY_FAILURES");
    assertThat(rollout.getList("patchSet.version", String.class)).contains("6.8.0-49.49");

    PackageVersion bad = new PackageVersion("linux-image-generic", "6.8.0-49.49");
    List<EmulatedHost> gotIt =
        simulated.all().stream()
            .filter(h -> bad.version().equals(h.installed().get(bad.name())))
            .toList();
    assertThat(gotIt).hasSize(1);
    // not back in time: power-cycled once (the simulated host's BMC), into the same bad kernel
    // (no trial boot), so it stays down and the host fails
    assertThat(gotIt.get(0).powerCycles()).isEqualTo(1);
    assertThat(gotIt.get(0).isPanicked()).isTrue();

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                given()
                    .get("/api/v1/quarantine")
                    .jsonPath()
                    .getList("version", String.class)
                    .contains("6.8.0-49.49"));
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(simulated.all())
                    .filteredOn(EmulatedHost::isUp)
                    .isNotEmpty()
                    .allSatisfy(h -> assertThat(h.pins()).contains(bad)));

    assertThat(
            given()
                .queryParam("action", "host.power-cycle")
                .get("/api/v1/audit")
                .jsonPath()
                .getList("target", String.class))
        .containsExactly(gotIt.get(0).name());
    var events = given().get("/api/v1/rollouts/" + id + "/events").jsonPath();
    assertThat(events.getList("reason", String.class))
        .contains(
            "STARTED",
            "PATCH_SET_FROZEN",
            "WAVE_STARTED",
            "POWER_CYCLE",
            "POWER_CYCLED",
            "DID_NOT_COME_BACK",
            "TOO_MANY_FAILURES",
            "QUARANTINED");
  }
}
