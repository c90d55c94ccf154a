package dev.patchwave.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.host.simulated.SimulatedHostExecutor;
import dev.patchwave.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/simulations} on the demo fleet: a stored or given policy against the
 * inventory with a scenario's faults, next to the baselines; nothing touches a host; mistakes named
 * by field; one at a time.
 */
@QuarkusTest
class SimulationsApiTest {

  @Inject SimulatedHostExecutor simulated;

  static final String PANIC_ON_DELL =
      """
      {"policy": "demo-brokers", "runs": 3, "seed": 7,
       "scenario": {"name": "bad kernel on Dell",
                    "faults": [{"effect": "panicOnReboot", "hosts": {"hardware": "dell-r650"}}]}}
      """;

  @BeforeAll
  static void admin() {
    TestTokens.actAsAdmin();
  }

  @Test
  void aStoredPolicyIsSimulatedNextToTheBaselinesAndNoHostIsTouched() {
    Map<String, Integer> before = commands();
    JsonPath answer =
        given()
            .auth()
            .oauth2(TestTokens.VIEWER)
            .contentType(ContentType.JSON)
            .body(PANIC_ON_DELL)
            .post("/api/v1/simulations")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertThat(answer.getString("scenario")).isEqualTo("bad kernel on Dell");
    assertThat(answer.getInt("hosts")).isEqualTo(6); // the demo fleet's Kafka brokers
    assertThat(answer.getList("rows.strategy", String.class))
        .containsExactly(
            "Patchwave (demo-brokers)",
            "unattended-upgrades",
            "kured",
            "Ansible serial",
            "SSM rate control");
    // the canary wave covers hardware x OS release: at most its hosts got the bad kernel, and the
    // trial boot brought them back
    assertThat(answer.getInt("rows[0].receivedMax")).isBetween(1, 4);
    assertThat(answer.getFloat("rows[0].downForGoodMean")).isZero();
    assertThat(answer.getInt("rows[0].stoppedRuns")).isEqualTo(3);
    assertThat(answer.getInt("rows[1].receivedMax")).isEqualTo(6);
    assertThat(answer.getString("table"))
        .contains("| bad kernel on Dell | Patchwave (demo-brokers) |");
    assertThat(answer.getString("chart")).isNull();
    assertThat(commands()).isEqualTo(before);
  }

  @Test
  void aGivenPolicyTextIsSimulatedAndChartedWithoutBeingStored() {
    String text =
        "apiVersion: patchwave.dev/v1\\nkind: RolloutPolicy\\nmetadata: {name: what-if}\\nspec:\\n"
            + "  selector: {matchLabels: {role: kafka}}\\n  waves: [{size: 1, soak: 6h}, {size: 100%}]\\n";
    given()
        .contentType(ContentType.JSON)
        .body(
            "{\"policyText\": \""
                + text
                + "\", \"runs\": 1, \"baselines\": false, \"chart\": true,"
                + " \"scenario\": {\"faults\": [{\"effect\": \"failAfter\", \"after\": \"2h\"}]}}")
        .post("/api/v1/simulations")
        .then()
        .statusCode(200)
        .body("policy", equalTo("what-if"))
        .body("scenario", equalTo("fail after"))
        .body("rows.size()", equalTo(1))
        .body("rows[0].receivedMax", equalTo(1))
        .body("chart", containsString("<svg"));
    given().get("/api/v1/policies/what-if").then().statusCode(404);
  }

  @Test
  void mistakesAreNamedByFieldAndChangeNothing() {
    List<String[]> cases =
        List.of(
            new String[] {
              "{\"policy\": \"demo-brokers\", \"scenario\": {\"faults\": [{\"effect\": \"explode\"}]}}",
              "scenario.faults[0].effect"
            },
            new String[] {
              "{\"policy\": \"demo-brokers\", \"runs\": 51, \"scenario\": {}}",
              "runs: expected 1 to 50"
            },
            new String[] {
              "{\"policy\": \"demo-brokers\", \"policyText\": \"x\", \"scenario\": {}}",
              "exactly one of policy"
            },
            new String[] {
              "{\"policy\": \"demo-brokers\", \"scenario\": {\"faults\": [{\"effect\": \"failAfter\"}]}}",
              "scenario.faults[0].after: required"
            },
            new String[] {
              "{\"policy\": \"demo-brokers\", \"scenario\": {\"faults\": [{\"effect\": \"panicOnReboot\","
                  + " \"probability\": 2}]}}",
              "scenario.faults[0].probability"
            },
            new String[] {
              "{\"policy\": \"demo-brokers\", \"scenario\": {\"boot\": \"soon\"}}", "scenario.boot"
            },
            new String[] {
              "{\"policy\": \"demo-brokers\", \"scenario\": {}, \"extra\": 1}", "extra"
            });
    for (String[] c : cases) {
      given()
          .contentType(ContentType.JSON)
          .body(c[0])
          .post("/api/v1/simulations")
          .then()
          .statusCode(400)
          .contentType("application/problem+json")
          .body("detail", containsString(c[1]));
    }
    given()
        .contentType(ContentType.JSON)
        .body("{\"policy\": \"no-such-policy\", \"scenario\": {}}")
        .post("/api/v1/simulations")
        .then()
        .statusCode(404);
    given()
        .contentType(ContentType.JSON)
        .body(
            "{\"policyText\": \"apiVersion: patchwave.dev/v1\\nkind: RolloutPolicy\", \"scenario\": {}}")
        .post("/api/v1/simulations")
        .then()
        .statusCode(422)
        .body("errors.size()", org.hamcrest.Matchers.greaterThan(0));
    given()
        .auth()
        .none()
        .contentType(ContentType.JSON)
        .body(PANIC_ON_DELL)
        .post("/api/v1/simulations")
        .then()
        .statusCode(401);
  }

  @Test
  void thirtyAtOnceAreEachAnsweredOrToldToWaitAndNoneFails() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(30);
    try {
      List<Callable<Integer>> calls = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        calls.add(
            () ->
                given()
                    .auth()
                    .oauth2(TestTokens.ADMIN)
                    .contentType(ContentType.JSON)
                    .body(PANIC_ON_DELL)
                    .post("/api/v1/simulations")
                    .then()
                    .extract()
                    .statusCode());
      }
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> f : pool.invokeAll(calls)) {
        statuses.add(f.get());
      }
      assertThat(statuses).containsOnly(200, 429).contains(200);
    } finally {
      pool.shutdownNow();
    }
  }

  private Map<String, Integer> commands() {
    Map<String, Integer> out = new java.util.TreeMap<>();
    for (EmulatedHost h : simulated.all()) {
      out.put(h.name(), h.received().size());
    }
    return out;
  }
}
