package dev.patchwave.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.patchwave.persistence.StoredPolicy;
import dev.patchwave.testing.TestTokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, findings 1 and 2, through the API with the bundled check catalogue: an operator cannot
 * store a policy that runs its own command or fetches its own URL, nor start one stored before.
 */
@QuarkusTest
class CheckCatalogueApiTest {

  static String policy(String name, String check) {
    return """
        apiVersion: patchwave.dev/v1
        kind: RolloutPolicy
        metadata: {name: %s}
        spec:
          selector: {matchLabels: {role: web}}
          waves:
            - {name: canary, size: 1, soak: 10m}
            - {size: 100%%}
          health:
            checks:
              - %s
        """
        .formatted(name, check);
  }

  @BeforeAll
  static void asAdmin() {
    TestTokens.actAsAdmin();
    io.restassured.RestAssured.config =
        io.restassured.RestAssured.config()
            .encoderConfig(
                io.restassured.config.EncoderConfig.encoderConfig()
                    .encodeContentTypeAs("application/yaml", ContentType.TEXT));
  }

  @AfterEach
  void removeWhatATestStored() {
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                StoredPolicy.delete(
                    "name in ?1", java.util.List.of("own-command", "named", "old-inline")));
  }

  @Test
  void aPolicyWithItsOwnCommandIsRefusedWhereItSaysSoAndNothingIsStored() {
    given()
        .contentType("application/yaml")
        .body(policy("own-command", "ssh: {command: [cat, /etc/shadow]}"))
        .put("/api/v1/policies/own-command")
        .then()
        .statusCode(422)
        .contentType("application/problem+json")
        .body("errors[0].path", equalTo("spec.health.checks[0].ssh.command"))
        .body("errors[0].line", equalTo(11))
        .body("errors[0].message", containsString("patchwave.checks.allow-inline"));
    given().get("/api/v1/policies/own-command").then().statusCode(404);
  }

  @Test
  void aPolicyThatFetchesItsOwnUrlIsRefused() {
    for (String check :
        new String[] {
          "http: {url: 'http://169.254.169.254/latest/meta-data/'}",
          "prometheus: {url: 'http://127.0.0.1:8080', query: up, min: 1}"
        }) {
      given()
          .contentType("application/yaml")
          .body(policy("own-command", check))
          .put("/api/v1/policies/own-command")
          .then()
          .statusCode(422)
          .body("errors[0].path", containsString(".url"))
          .body("errors[0].message", containsString("may not hold a URL of its own"));
    }
  }

  @Test
  void aPolicyThatNamesCatalogueChecksIsStored() {
    given()
        .contentType("application/yaml")
        .body(policy("named", "ssh: {check: service-active, args: [nginx]}"))
        .put("/api/v1/policies/named")
        .then()
        .statusCode(201);
    given()
        .contentType("application/yaml")
        .body(policy("named", "ssh: {check: service-active, args: ['--root=/']}"))
        .put("/api/v1/policies/named")
        .then()
        .statusCode(422)
        .body("errors[0].path", equalTo("spec.health.checks[0].ssh.args[0]"));
  }

  @Test
  void aPolicyWithAnInlineCheckStoredBeforeCannotBeStarted() {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              StoredPolicy row = new StoredPolicy();
              row.name = "old-inline";
              row.source = policy("old-inline", "ssh: {command: [cat, /etc/shadow]}");
              row.format = "yaml";
              row.origin = StoredPolicy.Origin.API;
              row.revision = 1;
              row.updatedAt = OffsetDateTime.now();
              row.updatedBy = "someone";
              row.persist();
            });

    given()
        .contentType(ContentType.JSON)
        .body("{\"policy\": \"old-inline\"}")
        .post("/api/v1/rollouts")
        .then()
        .statusCode(422)
        .body("detail", containsString("check catalogue"));
  }
}
