package dev.patchwave.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.patchwave.persistence.StoredPolicy;
import dev.patchwave.testing.TestTokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The guardrails as shipped (the test profile's relaxed ones undone): a policy that breaks one is
 * refused at PUT with the field, line and guardrail, and changes nothing; a policy stored before a
 * guardrail was tightened can be neither planned nor started.
 */
@QuarkusTest
@TestProfile(GuardrailsApiTest.ShippedGuardrails.class)
class GuardrailsApiTest {

  public static class ShippedGuardrails implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      Map<String, String> shipped =
          Map.of(
              "quarkus.datasource.jdbc.url", "jdbc:h2:mem:guardrails;DB_CLOSE_DELAY=-1",
              "patchwave.guardrails.max-in-flight-percent", "10",
              "patchwave.guardrails.first-wave.required", "true",
              "patchwave.guardrails.first-wave.max-size", "10%",
              "patchwave.guardrails.first-wave.min-soak", "10m",
              "patchwave.guardrails.reboot-always.max-unavailable", "5",
              "patchwave.guardrails.select-all", "false",
              "patchwave.rollouts.max-starts-per-hour", "2");
      // the test profile's own keys (%test.) win over plain ones: override both
      Map<String, String> both = new java.util.HashMap<>(shipped);
      shipped.forEach((k, v) -> both.put("%test." + k, v));
      return both;
    }
  }

  static final String QUICK_CANARY =
      """
      apiVersion: patchwave.dev/v1
      kind: RolloutPolicy
      metadata: {name: quick-canary}
      spec:
        selector: {matchLabels: {role: web}}
        waves:
          - {name: canary, size: 1, soak: 1m}
          - {size: 100%}
      """;

  @BeforeAll
  static void asAdmin() {
    TestTokens.actAsAdmin();
    io.restassured.RestAssured.config =
        io.restassured.RestAssured.config()
            .encoderConfig(
                io.restassured.config.EncoderConfig.encoderConfig()
                    .encodeContentTypeAs("application/yaml", ContentType.TEXT));
  }

  @Test
  void aPolicyBreakingAGuardrailIsRefusedAtPutAndNothingIsStored() {
    given()
        .contentType("application/yaml")
        .body(QUICK_CANARY)
        .put("/api/v1/policies/quick-canary")
        .then()
        .statusCode(422)
        .contentType("application/problem+json")
        .body("errors[0].path", org.hamcrest.Matchers.equalTo("spec.waves[0].soak"))
        .body("errors[0].line", org.hamcrest.Matchers.equalTo(7))
        .body("errors[0].message", containsString("patchwave.guardrails.first-wave.min-soak"));
    given().get("/api/v1/policies/quick-canary").then().statusCode(404);

    given()
        .contentType("application/yaml")
        .body(QUICK_CANARY.replace("soak: 1m", "soak: 10m"))
        .put("/api/v1/policies/quick-canary")
        .then()
        .statusCode(201);
  }

  @Test
  void aPolicyStoredBeforeTheGuardrailsWereTightenedIsHeldToThem() {
    // as if stored by an older controller with looser guardrails
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              StoredPolicy row = new StoredPolicy();
              row.name = "old-loose";
              row.source = QUICK_CANARY.replace("quick-canary", "old-loose");
              row.format = "yaml";
              row.origin = StoredPolicy.Origin.API;
              row.revision = 1;
              row.updatedAt = OffsetDateTime.now();
              row.updatedBy = "someone";
              row.persist();
            });

    given()
        .post("/api/v1/policies/old-loose/plan")
        .then()
        .statusCode(422)
        .body("type", containsString("guardrail"))
        .body("errors[0].message", containsString("first-wave.min-soak"));
    given()
        .contentType(ContentType.JSON)
        .body("{\"policy\": \"old-loose\"}")
        .post("/api/v1/rollouts")
        .then()
        .statusCode(422)
        .body("detail", containsString("guardrails"));
    assertThat(given().get("/api/v1/rollouts").jsonPath().getList("policy", String.class))
        .doesNotContain("old-loose");
  }

  @Test
  void aPolicyStartedTooOftenInAnHourIsRefusedWithWhenToTryAgain() {
    String policy = QUICK_CANARY.replace("quick-canary", "often").replace("soak: 1m", "soak: 10m");
    given()
        .contentType("application/yaml")
        .body(policy)
        .put("/api/v1/policies/often")
        .then()
        .statusCode(201);
    for (int i = 0; i < 2; i++) {
      long id =
          given()
              .contentType(ContentType.JSON)
              .body("{\"policy\": \"often\"}")
              .post("/api/v1/rollouts")
              .then()
              .statusCode(201)
              .extract()
              .jsonPath()
              .getLong("id");
      given().post("/api/v1/rollouts/" + id + "/abort").then().statusCode(200);
    }

    io.restassured.response.Response third =
        given()
            .contentType(ContentType.JSON)
            .body("{\"policy\": \"often\"}")
            .post("/api/v1/rollouts");

    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.contentType()).startsWith("application/problem+json");
    assertThat(third.jsonPath().getString("type")).endsWith("/too-many-starts");
    assertThat(third.jsonPath().getString("detail"))
        .contains("patchwave.rollouts.max-starts-per-hour");
    assertThat(Long.parseLong(third.header("Retry-After"))).isBetween(1L, 3600L);
  }
}
