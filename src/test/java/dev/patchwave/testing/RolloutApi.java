package dev.patchwave.testing;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;

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

  public static String phase(long id) {
    return given().get("/api/v1/rollouts/" + id).jsonPath().getString("phase");
  }
}
