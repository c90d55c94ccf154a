package dev.patchwave.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every operation of the OpenAPI document: 401 without a token or with an unknown one, 403 for a
 * role that may not call it, neither for a role that may. Requests use names and ids that do not
 * exist and no bodies, so nothing is changed by the walk.
 */
@QuarkusTest
class ApiSecurityTest {

  /** Who may call what (DESIGN.md). A new endpoint fails the walk until it is classified here. */
  static final Map<String, Set<String>> ALLOWED =
      Map.ofEntries(
          Map.entry("GET /api/v1/policies", READ()),
          Map.entry("GET /api/v1/policies/{name}", READ()),
          Map.entry("PUT /api/v1/policies/{name}", Set.of("operator")),
          Map.entry("DELETE /api/v1/policies/{name}", Set.of("operator")),
          Map.entry("POST /api/v1/policies/{name}/plan", READ()),
          Map.entry("POST /api/v1/plans", READ()),
          Map.entry("POST /api/v1/simulations", READ()),
          Map.entry("GET /api/v1/policies/{name}/revisions", READ()),
          Map.entry("GET /api/v1/policies/{name}/revisions/{id}", READ()),
          Map.entry("POST /api/v1/policies/{name}/revisions/{id}/approve", Set.of("approver")),
          Map.entry("POST /api/v1/policies/{name}/revisions/{id}/reject", Set.of("approver")),
          Map.entry("GET /api/v1/hosts", READ()),
          Map.entry("GET /api/v1/hosts/{name}", READ()),
          Map.entry("POST /api/v1/hosts/{name}/scan", Set.of("operator")),
          Map.entry("GET /api/v1/updates", READ()),
          Map.entry("POST /api/v1/scans", Set.of("operator")),
          Map.entry("GET /api/v1/events", READ()),
          Map.entry("GET /api/v1/rollouts", READ()),
          Map.entry("POST /api/v1/rollouts", Set.of("operator")),
          Map.entry("GET /api/v1/rollouts/{id}", READ()),
          Map.entry("GET /api/v1/rollouts/{id}/events", READ()),
          Map.entry("GET /api/v1/rollouts/{id}/hosts", READ()),
          Map.entry("POST /api/v1/rollouts/{id}/pause", Set.of("operator")),
          Map.entry("POST /api/v1/rollouts/{id}/resume", Set.of("operator")),
          Map.entry("POST /api/v1/rollouts/{id}/abort", Set.of("operator")),
          Map.entry("POST /api/v1/rollouts/{id}/waves/{index}/approve", Set.of("approver")),
          Map.entry("GET /api/v1/quarantine", READ()),
          Map.entry("POST /api/v1/quarantine", Set.of("operator")),
          Map.entry("DELETE /api/v1/quarantine/{id}", Set.of("approver")),
          Map.entry("GET /api/v1/quarantine/incidents", READ()),
          Map.entry("GET /api/v1/quarantine/incidents/{id}", READ()),
          Map.entry("POST /api/v1/quarantine/incidents/{id}/isolate", Set.of("approver")),
          Map.entry("GET /api/v1/quarantine/isolations/{id}", READ()),
          Map.entry("DELETE /api/v1/quarantine/isolations/{id}", Set.of("approver")),
          Map.entry("GET /api/v1/audit", READ()),
          Map.entry("POST /api/v1/simulation/publish", Set.of("operator")),
          Map.entry("POST /api/v1/simulation/hosts/{name}/power-cycle", Set.of("operator")));

  static final Map<String, String> TOKEN_OF_ROLE =
      Map.of(
          "viewer", TestTokens.VIEWER,
          "operator", TestTokens.OPERATOR,
          "approver", TestTokens.APPROVER);

  static Set<String> READ() {
    return Set.of("viewer", "operator", "approver");
  }

  @BeforeEach
  void noDefaultToken() {
    RestAssured.authentication = RestAssured.DEFAULT_AUTH;
  }

  List<String> operations() {
    Map<String, Map<String, Object>> paths =
        given()
            .auth()
            .none()
            .accept("application/json")
            .get("/q/openapi?format=json")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getMap("paths");
    List<String> ops = new ArrayList<>();
    paths.forEach(
        (path, methods) ->
            methods.keySet().stream()
                .filter(m -> Set.of("get", "put", "post", "delete", "patch").contains(m))
                .forEach(m -> ops.add(m.toUpperCase() + " " + path)));
    return ops;
  }

  @Test
  void everyOperationIsClassified() {
    List<String> ops = operations();
    assertThat(ops)
        .allMatch(
            o -> o.startsWith("GET /api/v1") || ALLOWED.containsKey(o) || o.contains("/api/v1"));
    assertThat(ops.stream().filter(o -> o.contains(" /api/v1")).toList())
        .containsExactlyInAnyOrderElementsOf(ALLOWED.keySet());
  }

  /** docs/api.md is written by hand; it must list exactly the operations the API has. */
  @Test
  void theApiDocumentListsEveryOperation() throws Exception {
    String doc = java.nio.file.Files.readString(java.nio.file.Path.of("docs/api.md"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("`(GET|PUT|POST|DELETE|PATCH) (/api/v1/[^`\\[?\\s]*)")
            .matcher(doc);
    java.util.Set<String> documented = new java.util.TreeSet<>();
    while (m.find()) {
      documented.add(m.group(1) + " " + m.group(2));
    }
    assertThat(documented).containsExactlyInAnyOrderElementsOf(operations());
  }

  @Test
  void withoutAValidTokenEveryOperationIs401() {
    Map<String, Integer> wrong = new TreeMap<>();
    for (String op : ALLOWED.keySet()) {
      for (RequestSpecification spec :
          List.of(
              given(),
              given().header("Authorization", "Bearer pw_not-a-token"),
              given().header("Authorization", "Bearer "),
              given().header("Authorization", "Basic YWRtaW46YWRtaW4="))) {
        Response r = call(spec, op);
        if (r.statusCode() != 401 || !r.contentType().startsWith("application/problem+json")) {
          wrong.put(op, r.statusCode());
        }
      }
    }
    assertThat(wrong).as("operations that did not answer 401 problem+json").isEmpty();
  }

  @Test
  void eachRoleGetsExactlyItsOperations() {
    Map<String, Integer> wrong = new TreeMap<>();
    ALLOWED.forEach(
        (op, roles) ->
            TOKEN_OF_ROLE.forEach(
                (role, token) -> {
                  int status = call(given().auth().oauth2(token), op).statusCode();
                  boolean allowed = roles.contains(role);
                  if (allowed ? status == 401 || status == 403 : status != 403) {
                    wrong.put(role + ": " + op, status);
                  }
                }));
    assertThat(wrong).as("role checks that went wrong (role: operation -> status)").isEmpty();
  }

  @Test
  void healthAndMetricsNeedNoTokenAndHoldNoSecret() {
    for (String path : List.of("/q/health", "/q/health/ready", "/q/health/live", "/q/metrics")) {
      Response r = given().get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.asString()).doesNotContain("pw_", "sha256", "password");
    }
  }

  @Test
  void everyAnswerIsUncachedAndUnsniffedAndNoLocationEchoesTheHostHeader() throws Exception {
    List<Response> answers =
        List.of(
            given().auth().oauth2(TestTokens.VIEWER).get("/api/v1/policies"),
            given().get("/api/v1/policies"),
            given().auth().oauth2(TestTokens.VIEWER).get("/api/v1/no-such-route"),
            given().get("/q/health"),
            given().get("/q/metrics"));
    for (Response r : answers) {
      assertThat(r.header("Cache-Control")).as(r.statusLine()).isEqualTo("no-store");
      assertThat(r.header("X-Content-Type-Options")).as(r.statusLine()).isEqualTo("nosniff");
    }
    String policy =
        java.nio.file.Files.readString(java.nio.file.Path.of("policies/web-fleet.yaml"))
            .replace("name: web-fleet", "name: location-test");
    Response created =
        given()
            .auth()
            .oauth2(TestTokens.OPERATOR)
            .header("Host", "evil.example")
            .contentType("application/yaml")
            .body(policy.getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .put("/api/v1/policies/location-test");
    try {
      assertThat(created.statusCode()).isIn(201, 202);
      assertThat(created.header("Location")).startsWith("/api/v1/policies/location-test");
    } finally {
      given().auth().oauth2(TestTokens.OPERATOR).delete("/api/v1/policies/location-test");
    }
  }

  @Test
  void theRunningControllersDataDirectoryIsTheOwnersAlone() throws Exception {
    java.nio.file.Path data =
        java.nio.file.Path.of(
            org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("patchwave.data-dir", String.class));
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(data)))
        .isEqualTo("rwx------");
  }

  /** Calls {@code op} with ids and names that exist nowhere, and no body. */
  static Response call(RequestSpecification spec, String op) {
    String method = op.substring(0, op.indexOf(' '));
    String path =
        op.substring(op.indexOf(' ') + 1)
            .replace("{name}", "no-such-name")
            .replace("{id}", "987654")
            .replace("{index}", "0");
    return spec.contentType("application/json").request(method, path);
  }
}
