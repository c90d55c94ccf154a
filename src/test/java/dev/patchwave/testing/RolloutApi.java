package dev.patchwave.testing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;

/** The few API calls the rollout tests make, as the caller RestAssured is set up with. */
public final class RolloutApi {

  private RolloutApi() {}

  /** Creates policy {@code name} from its JSON text (201). */
  public static void putPolicy(String name, String json) {
    given()
        .contentType(ContentType.JSON)
        .body(json)
        .put("/api/v1/policies/" + name)
        .then()
        .statusCode(201);
  }

  /** Quarantines {@code name=version} (201); returns the entry's id. */
  public static long quarantine(String name, String version, String reason) {
    return given()
        .contentType(ContentType.JSON)
        .body(
            "{\"packageName\": \""
                + name
                + "\", \"version\": \""
                + version
                + "\", \"reason\": \""
                + reason
                + "\"}")
        .post("/api/v1/quarantine")
        .then()
        .statusCode(201)
        .extract()
        .jsonPath()
        .getLong("id");
  }

  /** Starts a rollout of {@code policy}; returns its id. */
  public static long start(String policy) {
    return given()
        .contentType(ContentType.JSON)
        .body("{\"policy\": \"" + policy + "\"}")
        .post("/api/v1/rollouts")
        .then()
        .statusCode(201)
        .extract()
        .jsonPath()
        .getLong("id");
  }

  /** Acts as the admin from now on, and sends {@code application/yaml} bodies as text. */
  public static void adminWithYaml() {
    TestTokens.actAsAdmin();
    RestAssured.config =
        RestAssured.config()
            .encoderConfig(
                EncoderConfig.encoderConfig()
                    .encodeContentTypeAs("application/yaml", ContentType.TEXT));
  }

  /** Creates or replaces policy {@code name} with this YAML {@code spec} (200 or 201). */
  public static void putYamlPolicy(String name, String spec) {
    given()
        .contentType("application/yaml")
        .body(
            "apiVersion: patchwave.dev/v1\nkind: RolloutPolicy\nmetadata: {name: "
                + name
                + "}\nspec:\n"
                + spec.indent(2))
        .put("/api/v1/policies/" + name)
        .then()
        .statusCode(org.hamcrest.Matchers.oneOf(200, 201));
  }

  /** Starts a rollout with this JSON request body; returns its id. */
  public static long startWith(String body) {
    return given()
        .contentType(ContentType.JSON)
        .body(body)
        .post("/api/v1/rollouts")
        .then()
        .statusCode(201)
        .extract()
        .jsonPath()
        .getLong("id");
  }

  /** Waits until rollout {@code id} has completed (with or without skips) or halted. */
  public static JsonPath awaitFinished(long id, Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> phase(id), p -> p.startsWith("COMPLETED") || p.equals("HALTED"));
    return RolloutJson.of(id);
  }

  public static String phase(long id) {
    return given().get("/api/v1/rollouts/" + id).jsonPath().getString("phase");
  }
}
