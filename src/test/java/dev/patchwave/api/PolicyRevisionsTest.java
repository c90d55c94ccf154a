package dev.patchwave.api;

import static dev.patchwave.api.RolloutSafetyTest.concurrently;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.patchwave.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Policy changes under the two-person rule: a new policy or a change that loosens safety waits as a
 * pending revision until an approver other than its author approves it; a tightening applies at
 * once; a revision overtaken by another change can no longer be approved.
 */
@QuarkusTest
@TestProfile(PolicyRevisionsTest.Reviewed.class)
class PolicyRevisionsTest {

  public static class Reviewed implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "%test.quarkus.datasource.jdbc.url", "jdbc:h2:mem:revisions;DB_CLOSE_DELAY=-1",
          "%test.patchwave.approval.policy-changes", "true",
          "%test.patchwave.policies.revisions-kept", "3");
    }
  }

  static final String POLICY =
      """
      {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy",
       "metadata": {"name": "%s"},
       "spec": {"selector": {"matchLabels": {"role": "web"}},
                "waves": [{"name": "canary", "size": 1, "soak": "%s", "approval": "manual"},
                          {"size": "100%%"}]}}
      """;

  @BeforeAll
  static void noDefaultToken() {
    RestAssured.authentication = RestAssured.DEFAULT_AUTH;
  }

  @Test
  void aNewPolicyWaitsForASecondPerson() {
    Response put = put("fresh", POLICY.formatted("fresh", "30m"), TestTokens.ADMIN);
    put.then()
        .statusCode(202)
        .header("Location", containsString("/api/v1/policies/fresh/revisions/"));
    long rev = put.jsonPath().getLong("id");
    assertThat(put.jsonPath().getString("status")).isEqualTo("PENDING");
    assertThat(put.jsonPath().getList("loosens", String.class))
        .singleElement()
        .asString()
        .contains("new policy");
    given().auth().oauth2(TestTokens.VIEWER).get("/api/v1/policies/fresh").then().statusCode(404);
    given()
        .auth()
        .oauth2(TestTokens.ADMIN)
        .contentType(ContentType.JSON)
        .body("{\"policy\": \"fresh\"}")
        .post("/api/v1/rollouts")
        .then()
        .statusCode(404);

    approve("fresh", rev, TestTokens.ADMIN)
        .then()
        .statusCode(403)
        .body("detail", containsString("two-person rule"));
    approve("fresh", rev, TestTokens.OPERATOR).then().statusCode(403);
    approve("fresh", rev, TestTokens.APPROVER)
        .then()
        .statusCode(200)
        .body("revision", org.hamcrest.Matchers.equalTo(1));

    JsonPath revision = revision("fresh", rev);
    assertThat(revision.getString("status")).isEqualTo("APPLIED");
    assertThat(revision.getString("decidedBy")).isEqualTo("anna");
    given().auth().oauth2(TestTokens.VIEWER).get("/api/v1/policies/fresh").then().statusCode(200);
  }

  @Test
  void aTighteningAppliesAtOnceALooseningWaitsAndOneOfThirtyApprovalsAppliesIt() throws Exception {
    bootstrap("tight", "30m");

    put("tight", POLICY.formatted("tight", "2h"), TestTokens.OPERATOR).then().statusCode(200);
    assertThat(source("tight")).contains("\"2h\"");

    Response loose =
        put(
            "tight",
            POLICY.formatted("tight", "5m").replace(", \"approval\": \"manual\"", ""),
            TestTokens.OPERATOR);
    loose.then().statusCode(202);
    long rev = loose.jsonPath().getLong("id");
    assertThat(loose.jsonPath().getList("loosens", String.class))
        .containsExactly("spec.waves[0].soak: 2h -> 5m", "spec.waves[0].approval: manual removed");
    assertThat(loose.jsonPath().getList("diff", String.class))
        .anyMatch(l -> l.startsWith("-") && l.contains("\"2h\""))
        .anyMatch(l -> l.startsWith("+") && l.contains("\"5m\""));
    assertThat(source("tight")).contains("\"2h\"");

    List<Response> answers =
        concurrently(
            30,
            i ->
                () ->
                    approve(
                        "tight", rev, i % 2 == 0 ? TestTokens.APPROVER : TestTokens.APPROVER_2));
    assertThat(answers).filteredOn(r -> r.statusCode() == 200).hasSize(1);
    assertThat(answers).filteredOn(r -> r.statusCode() == 409).hasSize(29);
    assertThat(source("tight")).contains("\"5m\"");
    assertThat(
            given()
                .auth()
                .oauth2(TestTokens.VIEWER)
                .get(
                    "/api/v1/audit?action=policy.approveRevision&target=/api/v1/policies/tight/revisions/"
                        + rev
                        + "/approve&limit=100")
                .jsonPath()
                .getList("outcome", String.class))
        .containsOnlyOnce("success")
        .filteredOn("refused"::equals)
        .hasSize(29);
  }

  @Test
  void onlyThePolicysNewestRevisionsAreKept() {
    bootstrap("proposed-often", "30m");
    for (int minutes = 20; minutes >= 11; minutes--) {
      put("proposed-often", POLICY.formatted("proposed-often", minutes + "m"), TestTokens.OPERATOR)
          .then()
          .statusCode(202);
    }

    List<String> kept =
        given()
            .auth()
            .oauth2(TestTokens.VIEWER)
            .get("/api/v1/policies/proposed-often/revisions")
            .jsonPath()
            .getList("status", String.class);
    assertThat(kept).hasSize(3).startsWith("PENDING").containsOnlyOnce("PENDING");
  }

  @Test
  void aRevisionOvertakenByAnotherChangeCannotBeApproved() {
    bootstrap("overtaken", "30m");
    long first =
        put("overtaken", POLICY.formatted("overtaken", "20m"), TestTokens.OPERATOR)
            .jsonPath()
            .getLong("id");
    long second =
        put("overtaken", POLICY.formatted("overtaken", "15m"), TestTokens.OPERATOR)
            .jsonPath()
            .getLong("id");
    assertThat(revision("overtaken", first).getString("status")).isEqualTo("SUPERSEDED");
    approve("overtaken", first, TestTokens.APPROVER).then().statusCode(409);

    // a tightening applies and overtakes the pending loosening
    put("overtaken", POLICY.formatted("overtaken", "1h"), TestTokens.OPERATOR)
        .then()
        .statusCode(200);
    assertThat(revision("overtaken", second).getString("status")).isEqualTo("SUPERSEDED");
    approve("overtaken", second, TestTokens.APPROVER).then().statusCode(409);
    assertThat(source("overtaken")).contains("\"1h\"");

    given()
        .auth()
        .oauth2(TestTokens.VIEWER)
        .get("/api/v1/policies/overtaken/revisions")
        .then()
        .statusCode(200)
        .body("status", org.hamcrest.Matchers.hasItems("SUPERSEDED", "APPLIED"));
    given()
        .auth()
        .oauth2(TestTokens.APPROVER)
        .post("/api/v1/policies/overtaken/revisions/x1/approve")
        .then()
        .statusCode(400);
  }

  /** Creates policy {@code name} and has a second person approve it. */
  private static void bootstrap(String name, String soak) {
    long rev = put(name, POLICY.formatted(name, soak), TestTokens.ADMIN).jsonPath().getLong("id");
    approve(name, rev, TestTokens.APPROVER).then().statusCode(200);
  }

  static Response put(String name, String json, String token) {
    return given()
        .auth()
        .oauth2(token)
        .contentType(ContentType.JSON)
        .body(json)
        .put("/api/v1/policies/" + name);
  }

  static Response approve(String name, long rev, String token) {
    return given()
        .auth()
        .oauth2(token)
        .post("/api/v1/policies/" + name + "/revisions/" + rev + "/approve");
  }

  static JsonPath revision(String name, long rev) {
    return given()
        .auth()
        .oauth2(TestTokens.VIEWER)
        .get("/api/v1/policies/" + name + "/revisions/" + rev)
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }

  static String source(String name) {
    return given()
        .auth()
        .oauth2(TestTokens.VIEWER)
        .get("/api/v1/policies/" + name)
        .jsonPath()
        .getString("source");
  }
}
