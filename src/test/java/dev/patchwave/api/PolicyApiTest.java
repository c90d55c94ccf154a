package dev.patchwave.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThan;

import dev.patchwave.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@QuarkusTest
class PolicyApiTest {

  @BeforeAll
  static void yamlIsText() {
    TestTokens.actAsAdmin();
    RestAssured.config =
        RestAssured.config()
            .encoderConfig(
                EncoderConfig.encoderConfig()
                    .encodeContentTypeAs("application/yaml", ContentType.TEXT));
  }

  static String policy(String name, String lastWave) {
    return """
        apiVersion: patchwave.dev/v1
        kind: RolloutPolicy
        metadata: {name: %s}
        spec:
          selector: {matchLabels: {role: web}}
          disruption: {groupBy: [zone]}
          waves:
            - {name: canary, size: 1, soak: 5m}
            - {size: %s}
        """
        .formatted(name, lastWave);
  }

  @Test
  void examplePoliciesAreImportedAtStart() {
    given()
        .get("/api/v1/policies")
        .then()
        .statusCode(200)
        .body("name", hasItems("kafka-brokers", "k8s-workers", "web-fleet"))
        .body("find { it.name == 'kafka-brokers' }.origin", equalTo("file"));
  }

  @Test
  void createReplaceReadDelete() {
    given()
        .contentType("application/yaml")
        .body(policy("crud-test", "100%"))
        .put("/api/v1/policies/crud-test")
        .then()
        .statusCode(201)
        .header("Location", endsWith("/api/v1/policies/crud-test"))
        .body("revision", equalTo(1))
        .body("origin", equalTo("api"))
        .body("waves", equalTo(2));

    given()
        .contentType("application/yaml")
        .body(policy("crud-test", "100%").replace("5m", "10m"))
        .put("/api/v1/policies/crud-test")
        .then()
        .statusCode(200)
        .body("revision", equalTo(2));

    given()
        .accept("application/yaml")
        .get("/api/v1/policies/crud-test")
        .then()
        .statusCode(200)
        .body(containsString("soak: 10m"));

    given().delete("/api/v1/policies/crud-test").then().statusCode(204);
    given()
        .get("/api/v1/policies/crud-test")
        .then()
        .statusCode(404)
        .contentType("application/problem+json")
        .body("type", equalTo("https://patchwave.dev/problems/not-found"));
    given().delete("/api/v1/policies/crud-test").then().statusCode(404);
  }

  @Test
  void jsonBodiesAreAccepted() {
    given()
        .contentType(ContentType.JSON)
        .body(
            """
            {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy",
             "metadata": {"name": "json-test"},
             "spec": {"selector": {}, "waves": [{"size": "100%"}]}}
            """)
        .put("/api/v1/policies/json-test")
        .then()
        .statusCode(201)
        .body("format", equalTo("json"));
  }

  @Test
  void invalidPolicyIs422WithEveryProblemAndChangesNothing() {
    given()
        .contentType("application/yaml")
        .body(policy("invalid-test", "100%"))
        .put("/api/v1/policies/invalid-test")
        .then()
        .statusCode(201);

    given()
        .contentType("application/yaml")
        .body(policy("invalid-test", "90%").replace("soak: 5m", "soak: 5 minutes"))
        .put("/api/v1/policies/invalid-test")
        .then()
        .statusCode(422)
        .contentType("application/problem+json")
        .body("type", equalTo("https://patchwave.dev/problems/invalid-document"))
        .body("status", equalTo(422))
        .body("errors", hasSize(2))
        .body("errors.path", hasItems("spec.waves[0].soak", "spec.waves[1].size"))
        .body("errors.line", hasItems(8, 9))
        .body("errors.column", everyItem(greaterThan(0)));

    given()
        .get("/api/v1/policies/invalid-test")
        .then()
        .statusCode(200)
        .body("revision", equalTo(1))
        .body("source", containsString("soak: 5m"));
  }

  @Test
  void nameInBodyMustMatchThePath() {
    given()
        .contentType("application/yaml")
        .body(policy("other-name", "100%"))
        .put("/api/v1/policies/mismatch-test")
        .then()
        .statusCode(422)
        .body("errors[0].path", equalTo("metadata.name"));
    given().get("/api/v1/policies/mismatch-test").then().statusCode(404);
    given().get("/api/v1/policies/other-name").then().statusCode(404);
  }

  @Test
  void malformedRequestsAreClientErrorsNeverServerErrors() {
    given()
        .contentType("application/yaml")
        .body(policy("Bad", "100%"))
        .put("/api/v1/policies/Bad")
        .then()
        .statusCode(400)
        .contentType("application/problem+json");
    given()
        .contentType("application/yaml")
        .body(policy("x", "100%"))
        .put("/api/v1/policies/..%2F..%2Fetc%2Fpasswd")
        .then()
        .statusCode(lessThan(500));
    given()
        .contentType("application/yaml")
        .body("")
        .put("/api/v1/policies/empty-test")
        .then()
        .statusCode(400);
    given()
        .contentType("application/yaml")
        .body("{{{{")
        .put("/api/v1/policies/broken-test")
        .then()
        .statusCode(422)
        .body("errors[0].message", containsString("not valid"));
    given()
        .contentType("application/xml")
        .body("<policy/>")
        .put("/api/v1/policies/xml-test")
        .then()
        .statusCode(415)
        .contentType("application/problem+json");
    given()
        .contentType("application/yaml")
        .body("a: " + "x".repeat(1_100_000))
        .put("/api/v1/policies/huge-test")
        .then()
        .statusCode(413);
    given().get("/api/v1/no-such-thing").then().statusCode(404);
  }

  @Test
  void planShowsWavesBatchesAndReasons() {
    given()
        .post("/api/v1/policies/kafka-brokers/plan")
        .then()
        .statusCode(200)
        .body("policy", equalTo("kafka-brokers"))
        .body("selectedHosts", equalTo(6))
        .body("waves[0].name", equalTo("canary"))
        .body("waves[0].adjustment", equalTo("enlarged-for-coverage"))
        .body(
            "waves[0].batches.hosts.flatten().explanation",
            hasItem(containsString("hardware=dell-r650")))
        .body("waves[1].approval", equalTo("manual"))
        .body("waves[0].soak", equalTo("2h"));
    given().post("/api/v1/policies/no-such-policy/plan").then().statusCode(404);
  }

  @Test
  void hostsListTheDemoFleetAndTheirGroupsUnderAPolicy() {
    given().get("/api/v1/hosts").then().statusCode(200).body("$", hasSize(24));
    given()
        .queryParam("policy", "kafka-brokers")
        .get("/api/v1/hosts")
        .then()
        .statusCode(200)
        .body("findAll { it.selected }", hasSize(6))
        .body("find { it.name == 'kafka-a-1' }.groups", hasItems("kafka-cluster=a", "zone=eu-1a"));
    given().queryParam("policy", "nope").get("/api/v1/hosts").then().statusCode(404);
  }
}
