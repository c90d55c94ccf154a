package dev.patchwave.api;

import static dev.patchwave.api.RolloutSafetyTest.concurrently;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.testing.PostgresProfile;
import dev.patchwave.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One owner per host on PostgreSQL, the production database: of 30 concurrent starts of one policy
 * exactly one succeeds, and of 30 concurrent starts of two policies over the same hosts exactly one
 * rollout owns them. The database's constraints decide, not a check in code.
 */
@QuarkusTest
@TestProfile(PostgresProfile.class)
class ConcurrentStartsPostgresTest {

  @BeforeAll
  static void asAdmin() {
    TestTokens.actAsAdmin();
  }

  static String policy(String name) {
    return RolloutSafetyTest.PG_GATED.replace("safety-pg", name);
  }

  @Test
  void thirtyConcurrentStartsOverTheSameHostsGiveOneOwner() throws Exception {
    RolloutSafetyTest.putPolicy("pg-one", policy("pg-one"));
    RolloutSafetyTest.putPolicy("pg-two", policy("pg-two"));

    List<Response> answers =
        concurrently(
            30,
            i ->
                () ->
                    RolloutSafetyTest.start(
                        "{\"policy\": \"" + (i % 2 == 0 ? "pg-one" : "pg-two") + "\"}",
                        TestTokens.ADMIN));

    assertThat(answers).extracting(Response::statusCode).containsOnly(201, 409);
    assertThat(answers).filteredOn(r -> r.statusCode() == 201).hasSize(1);
    long id =
        answers.stream()
            .filter(r -> r.statusCode() == 201)
            .findFirst()
            .orElseThrow()
            .jsonPath()
            .getLong("id");
    assertThat(
            given()
                .get("/api/v1/rollouts")
                .jsonPath()
                .getList(
                    "findAll { it.phase != 'ABORTED' && it.policy.startsWith('pg-') }.id",
                    Long.class))
        .containsExactly(id);
    given().post("/api/v1/rollouts/" + id + "/abort").then().statusCode(200);
  }
}
