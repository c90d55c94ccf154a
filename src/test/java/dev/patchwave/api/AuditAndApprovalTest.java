package dev.patchwave.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.testing.RolloutJson;
import dev.patchwave.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The two-person rule on a gated wave, and the audit log of the calls and of what the controller
 * did to the hosts.
 */
@QuarkusTest
class AuditAndApprovalTest {

  static final String POLICY =
      """
      {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy",
       "metadata": {"name": "web-gated"},
       "spec": {"selector": {"matchLabels": {"role": "web"}},
                "packages": {"origin": "security", "include": ["openssl"]},
                "reboot": "never",
                "canary": {"coverBy": ["os-release"]},
                "waves": [{"name": "canary", "size": 2},
                          {"name": "rest", "size": "100%", "approval": "manual"}],
                "health": {"interval": "5s", "timeout": "30s"}}}
      """;

  @BeforeAll
  static void noDefaultToken() {
    RestAssured.authentication = RestAssured.DEFAULT_AUTH;
  }

  @Test
  void theStarterCannotApproveAnotherApproverCanAndEverythingIsOnRecord() {
    given()
        .auth()
        .oauth2(TestTokens.OPERATOR)
        .contentType(ContentType.JSON)
        .body(POLICY)
        .put("/api/v1/policies/web-gated")
        .then()
        .statusCode(201);
    long id =
        given()
            .auth()
            .oauth2(TestTokens.ADMIN)
            .contentType(ContentType.JSON)
            .body("{\"policy\": \"web-gated\"}")
            .post("/api/v1/rollouts")
            .then()
            .statusCode(201)
            .extract()
            .jsonPath()
            .getLong("id");
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> rollout(id).getString("phase"), p -> p.equals("AWAITING_APPROVAL"));

    // admin holds the approver role, but started the rollout
    given()
        .auth()
        .oauth2(TestTokens.ADMIN)
        .post("/api/v1/rollouts/" + id + "/waves/1/approve")
        .then()
        .statusCode(403)
        .contentType("application/problem+json")
        .body("detail", org.hamcrest.Matchers.containsString("two-person rule"));
    // an operator is not an approver
    given()
        .auth()
        .oauth2(TestTokens.OPERATOR)
        .post("/api/v1/rollouts/" + id + "/waves/1/approve")
        .then()
        .statusCode(403);
    assertThat(rollout(id).getString("phase")).isEqualTo("AWAITING_APPROVAL");

    given()
        .auth()
        .oauth2(TestTokens.APPROVER)
        .post("/api/v1/rollouts/" + id + "/waves/1/approve")
        .then()
        .statusCode(200);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> rollout(id).getString("phase"), p -> p.equals("COMPLETED"));
    assertThat(rollout(id).getString("waves[1].approvedBy")).isEqualTo("anna");

    // the calls, refused ones included, with who made them
    JsonPath mine = audit("?target=/api/v1/rollouts/" + id);
    assertThat(mine.getList("findAll { it.action == 'rollout.approve' }.actor", String.class))
        .containsExactly("anna", "otto", "admin"); // newest first
    assertThat(mine.getList("findAll { it.action == 'rollout.approve' }.outcome", String.class))
        .containsExactly("success", "refused", "refused");
    assertThat(audit("?action=policy.put&actor=otto").getList("status", Integer.class))
        .contains(201);
    assertThat(audit("?action=rollout.start&actor=admin").getList("target", String.class))
        .contains("/api/v1/rollouts");

    // what the controller did to each web host: one install each, no reboot (reboot: never)
    List<String> installed =
        audit("?actor=controller&action=host.install&limit=1000")
            .getList(
                "findAll { it.detail.startsWith('rollout " + id + ":') }.target", String.class);
    List<String> web = rollout(id).getList("hosts.name", String.class);
    assertThat(installed).containsExactlyInAnyOrderElementsOf(web);
    assertThat(
            audit("?actor=controller&action=host.reboot&limit=1000")
                .getList("findAll { it.detail.startsWith('rollout " + id + ":') }", Object.class))
        .isEmpty();
  }

  @Test
  void pagingWalksTheLogNewestFirstWithoutGapsOrRepeats() {
    for (int i = 0; i < 5; i++) {
      given()
          .auth()
          .oauth2(TestTokens.OPERATOR)
          .post("/api/v1/rollouts/99999" + i + "/pause")
          .then()
          .statusCode(404);
    }
    List<Long> all = audit("?actor=otto&limit=1000").getList("id", Long.class);
    List<Long> walked = new java.util.ArrayList<>();
    String before = "";
    while (true) {
      List<Long> page = audit("?actor=otto&limit=2" + before).getList("id", Long.class);
      if (page.isEmpty()) {
        break;
      }
      walked.addAll(page);
      before = "&before=" + page.get(page.size() - 1);
    }
    assertThat(all)
        .hasSizeGreaterThanOrEqualTo(5)
        .isSortedAccordingTo((a, b) -> Long.compare(b, a));
    assertThat(walked).isEqualTo(all);
  }

  @Test
  void theAuditLogCannotBeChangedThroughTheApi() {
    for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
      int status =
          given().auth().oauth2(TestTokens.ADMIN).request(method, "/api/v1/audit").statusCode();
      assertThat(status).as(method).isEqualTo(405);
    }
    given()
        .auth()
        .oauth2(TestTokens.VIEWER)
        .get("/api/v1/audit?outcome=maybe")
        .then()
        .statusCode(400)
        .contentType("application/problem+json");
  }

  static JsonPath rollout(long id) {
    return RolloutJson.of(() -> given().auth().oauth2(TestTokens.VIEWER), id);
  }

  static JsonPath audit(String query) {
    return given()
        .auth()
        .oauth2(TestTokens.VIEWER)
        .get("/api/v1/audit" + query)
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }
}
