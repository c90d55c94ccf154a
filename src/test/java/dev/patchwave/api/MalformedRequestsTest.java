package dev.patchwave.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.testing.RolloutApi;
import dev.patchwave.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hundreds of malformed requests, by a caller with every role, to every mutating endpoint: bad JSON
 * and YAML, wrong types, unknown fields, huge and deep bodies, bad ids, path traversal in names,
 * injection strings in package names and labels. None may get a 5xx, every error must be
 * problem+json, and nothing stored may change (the audit log records the refusals, as it should).
 */
@QuarkusTest
@TestProfile(MalformedRequestsTest.OwnDatabase.class)
class MalformedRequestsTest {

  public static class OwnDatabase implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.datasource.jdbc.url", "jdbc:h2:mem:malformed;DB_CLOSE_DELAY=-1");
    }
  }

  static final List<String> BAD_NAMES =
      List.of(
          "..",
          "%2e%2e",
          "..%2f..%2fetc%2fpasswd",
          "a%2Fb",
          "UPPER",
          "-leading",
          "trailing-",
          "x".repeat(64),
          "semi;colon",
          "%24(reboot)",
          "back%60tick%60",
          "sp%20ace",
          "%00nul",
          "caf%C3%A9",
          "a.b");

  static final List<String> BAD_IDS =
      List.of(
          "+1",
          "01",
          "007",
          "-1",
          "abc",
          "1e3",
          "99999999999999999999",
          "0x10",
          "1;DROP%20TABLE%20rollout",
          "%20",
          "1.5",
          "%2e%2e",
          "NaN");

  static final List<String> INJECTIONS =
      List.of(
          "; reboot",
          "$(reboot)",
          "`reboot`",
          "a b",
          "'quoted'",
          "\"dq\"",
          "-oProxyCommand=reboot",
          "--force-yes",
          "pkg\nreboot",
          "pkg|reboot",
          "pkg&&reboot",
          "../../etc/shadow",
          "",
          " ");

  @BeforeAll
  static void setUp() {
    RestAssured.authentication = RestAssured.oauth2(TestTokens.ADMIN);
    RestAssured.config =
        RestAssured.config()
            .encoderConfig(
                EncoderConfig.encoderConfig()
                    .encodeContentTypeAs("application/yaml", ContentType.TEXT)
                    .encodeContentTypeAs("application/xml", ContentType.TEXT)
                    .encodeContentTypeAs("text/plain", ContentType.TEXT));
  }

  record Sent(String what, int status, String contentType) {}

  @Test
  void malformedRequestsGetClearErrorsAndChangeNothing() throws Exception {
    // something to protect: a policy and a quarantined version
    String valid = Files.readString(Path.of("policies/web-fleet.yaml"));
    given()
        .contentType("application/yaml")
        .body(valid)
        .put("/api/v1/policies/web-fleet")
        .then()
        .statusCode(org.hamcrest.Matchers.oneOf(200, 201));
    given()
        .contentType(ContentType.JSON)
        .body(
            "{\"packageName\": \"openssl\", \"version\": \"3.0.13-0ubuntu3.9\", \"reason\": \"advisory\"}")
        .post("/api/v1/quarantine")
        .then()
        .statusCode(201);
    String before = snapshot();

    List<Sent> sent = new ArrayList<>();
    List<String> policyBodies = policyBodies(valid);
    for (String body : policyBodies) {
      for (String type : List.of("application/yaml", "application/json")) {
        sent.add(send("PUT policy " + type, "PUT", "/api/v1/policies/web-fleet", type, body));
      }
    }
    for (String type : List.of("application/xml", "text/html", "application/octet-stream")) {
      sent.add(send("PUT policy as " + type, "PUT", "/api/v1/policies/web-fleet", type, valid));
    }
    sent.add(send("PUT policy, no type", "PUT", "/api/v1/policies/web-fleet", null, valid));
    sent.add(
        send(
            "PUT policy over 1 MiB",
            "PUT",
            "/api/v1/policies/web-fleet",
            "application/yaml",
            valid + "\n# " + "x".repeat(1_100_000)));
    for (String name : BAD_NAMES) {
      sent.add(send("PUT " + name, "PUT", "/api/v1/policies/" + name, "application/yaml", valid));
      sent.add(send("DELETE " + name, "DELETE", "/api/v1/policies/" + name, null, null));
      sent.add(send("plan " + name, "POST", "/api/v1/policies/" + name + "/plan", null, null));
      sent.add(
          send(
              "start " + name,
              "POST",
              "/api/v1/rollouts",
              "application/json",
              "{\"policy\": \"" + name.replace("\"", "\\\"") + "\"}"));
    }
    for (String body : jsonBodies()) {
      sent.add(send("start " + body, "POST", "/api/v1/rollouts", "application/json", body));
      sent.add(send("quarantine " + body, "POST", "/api/v1/quarantine", "application/json", body));
    }
    for (String evil : INJECTIONS) {
      String quoted = evil.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
      sent.add(
          send(
              "quarantine name " + quoted,
              "POST",
              "/api/v1/quarantine",
              "application/json",
              "{\"packageName\": \"" + quoted + "\", \"version\": \"1.0\", \"reason\": \"x\"}"));
      sent.add(
          send(
              "quarantine version " + quoted,
              "POST",
              "/api/v1/quarantine",
              "application/json",
              "{\"packageName\": \"openssl\", \"version\": \""
                  + quoted
                  + "\", \"reason\": \"x\"}"));
      sent.add(
          send(
              "policy include " + quoted,
              "PUT",
              "/api/v1/policies/web-fleet",
              "application/json",
              policyJson("\"include\": [\"" + quoted + "\"]", "{\"role\": \"web\"}")));
      if (!evil.isEmpty()) { // an empty label value is valid (as in Kubernetes)
        sent.add(
            send(
                "policy label " + quoted,
                "PUT",
                "/api/v1/policies/web-fleet",
                "application/json",
                policyJson("\"include\": [\"openssl\"]", "{\"role\": \"" + quoted + "\"}")));
      }
      sent.add(
          send(
              "policy label key " + quoted,
              "PUT",
              "/api/v1/policies/web-fleet",
              "application/json",
              policyJson("\"include\": [\"openssl\"]", "{\"" + quoted + "\": \"web\"}")));
    }
    for (String id : BAD_IDS) {
      for (String verb : List.of("pause", "resume", "abort")) {
        sent.add(send(verb + " " + id, "POST", "/api/v1/rollouts/" + id + "/" + verb, null, null));
      }
      sent.add(
          send("approve " + id, "POST", "/api/v1/rollouts/" + id + "/waves/0/approve", null, null));
      sent.add(
          send(
              "approve wave " + id,
              "POST",
              "/api/v1/rollouts/1/waves/" + id + "/approve",
              null,
              null));
      sent.add(send("release " + id, "DELETE", "/api/v1/quarantine/" + id, null, null));
    }

    assertThat(sent).hasSizeGreaterThanOrEqualTo(200);
    Map<String, Integer> serverErrors = new TreeMap<>();
    Map<String, String> notProblems = new TreeMap<>();
    for (Sent s : sent) {
      if (s.status() >= 500) {
        serverErrors.put(s.what(), s.status());
      }
      if (s.status() >= 400
          && (s.contentType() == null || !s.contentType().startsWith("application/problem+json"))) {
        notProblems.put(s.what(), s.status() + " " + s.contentType());
      }
    }
    assertThat(serverErrors).as("requests answered with a 5xx").isEmpty();
    assertThat(notProblems).as("errors that are not problem+json").isEmpty();
    assertThat(sent).allMatch(s -> s.status() >= 400, "every malformed request is refused");
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void parametersHaveOneSpellingAndAWrongOneIsNamed() {
    long entry = RolloutApi.quarantine("curl", "8.5.0-2ubuntu10.9", "spelling");
    // another spelling of the entry's id neither acts on it nor is audited as acting on it
    for (String spelling : List.of("0" + entry, "+" + entry, "00" + entry)) {
      problem(given().urlEncodingEnabled(false).delete("/api/v1/quarantine/" + spelling), "id");
    }
    assertThat(given().get("/api/v1/quarantine").jsonPath().getList("id", Long.class))
        .contains(entry);
    problem(given().urlEncodingEnabled(false).get("/api/v1/rollouts/+1"), "rollout id");
    problem(given().get("/api/v1/rollouts/01/events"), "rollout id");
    problem(given().get("/api/v1/rollouts/1/events?after=abc"), "after");
    problem(given().get("/api/v1/rollouts/1/events?limit=abc"), "limit");
    problem(given().get("/api/v1/audit?limit=x"), "limit");
    problem(given().get("/api/v1/audit?before=x"), "before");
    problem(given().get("/api/v1/quarantine?all=yes"), "all");
    problem(given().get("/api/v1/policies/web-fleet/revisions/01"), "revision id");
    // an audit filter is literal: _ is a character, not "any character"
    assertThat(given().get("/api/v1/audit?target=/api/v1/quarantine").jsonPath().getList("id"))
        .isNotEmpty();
    assertThat(given().get("/api/v1/audit?target=_").jsonPath().getList("id")).isEmpty();
    assertThat(given().get("/api/v1/audit?target=/api/v1/quarantin_").jsonPath().getList("id"))
        .isEmpty();
  }

  /** A 400 problem whose detail names {@code parameter}. */
  static void problem(Response r, String parameter) {
    assertThat(r.statusCode()).as(r.asString()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.jsonPath().getString("detail")).startsWith(parameter + " must be");
  }

  static Sent send(String what, String method, String path, String type, String body) {
    var spec = given().urlEncodingEnabled(false);
    if (type != null) {
      spec = spec.contentType(type);
    }
    if (body != null) {
      spec = spec.body(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Response r = spec.request(method, path);
    return new Sent(
        what.length() > 120 ? what.substring(0, 120) : what, r.statusCode(), r.contentType());
  }

  /** Everything stored that a request could change. */
  static String snapshot() {
    return given().get("/api/v1/policies").then().statusCode(200).extract().asString()
        + given().get("/api/v1/rollouts").then().statusCode(200).extract().asString()
        + given().get("/api/v1/quarantine?all=true").then().statusCode(200).extract().asString();
  }

  static String policyJson(String packages, String labels) {
    return "{\"apiVersion\": \"patchwave.dev/v1\", \"kind\": \"RolloutPolicy\","
        + " \"metadata\": {\"name\": \"web-fleet\"}, \"spec\": {\"selector\": {\"matchLabels\": "
        + labels
        + "}, \"packages\": {"
        + packages
        + "}, \"waves\": [{\"size\": \"100%\"}]}}";
  }

  static List<String> jsonBodies() {
    return List.of(
        "",
        "{",
        "}",
        "[]",
        "null",
        "42",
        "\"text\"",
        "{\"policy\": 42}",
        "{\"policy\": null}",
        "{\"policy\": [\"web-fleet\"]}",
        "{\"policy\": {\"name\": \"web-fleet\"}}",
        "{\"policy\": \"web-fleet\", \"policy\": \"other\"}",
        "{\"packageName\": \"openssl\"}",
        "{\"version\": \"1.0\"}",
        "{\"packageName\": \"openssl\", \"version\": 1.0}",
        "{\"packageName\": \"openssl\", \"version\": \"1.0\", \"reason\": \""
            + "r".repeat(600)
            + "\"}",
        "{\"packageName\": \"openssl\", \"version\": \"1.0\", \"reason\": \"two\\nlines\"}",
        "{'policy': 'web-fleet'}",
        "{\"policy\": \"web-fleet\",}",
        "[".repeat(10_000),
        "{\"a\":".repeat(5_000),
        "\u0000\u0001\u0002",
        "{\"policy\": \"\\ud800\"}");
  }

  static List<String> policyBodies(String valid) {
    List<String> out = new ArrayList<>();
    out.add("");
    out.add(":");
    out.add("- just\n- a list");
    out.add("[1, 2");
    out.add("{\"apiVersion\": ");
    out.add("key: [unclosed");
    out.add("\t tabs: bad");
    out.add("a: 1\na: 2");
    out.add("---\na: 1\n---\nb: 2");
    out.add("x: " + "[".repeat(200) + "]".repeat(200));
    out.add(
        "a: &a [\"lol\",\"lol\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]");
    out.add("!!java.lang.Runtime {}");
    out.add(valid.replace("name: web-fleet", "name: other-name"));
    out.add(valid.replace("kind: RolloutPolicy", "kind: Pod"));
    out.add(valid.replace("apiVersion: patchwave.dev/v1", "apiVersion: v2"));
    out.add(valid.replace("spec:", "spec:\n  unknownField: true"));
    out.add(valid.replace("spec:", "spec:\n  waves: 7"));
    out.add(valid.replace("spec:", "spec:\n  reboot: sometimes"));
    out.add(valid.replace("spec:", "spec:\n  selector: \"role=web\""));
    out.add(valid.replace("spec:", "metadata2: {}\nspec:"));
    out.add(
        "apiVersion: patchwave.dev/v1\nkind: RolloutPolicy\nmetadata: {name: web-fleet}\nspec:\n  waves: [{size: 50%}, {size: 40%}]");
    out.add(
        "apiVersion: patchwave.dev/v1\nkind: RolloutPolicy\nmetadata: {name: web-fleet}\nspec:\n  waves: [{size: -1}]");
    out.add(
        "apiVersion: patchwave.dev/v1\nkind: RolloutPolicy\nmetadata: {name: web-fleet}\nspec:\n  waves: [{size: 100%, soak: forever}]");
    out.add(
        "apiVersion: patchwave.dev/v1\nkind: RolloutPolicy\nmetadata: {name: web-fleet}\nspec:\n  waves: [{size: 100%}]\n  windows: [{days: [Funday], start: \"25:00\", end: \"x\", timeZone: Mars/Olympus}]");
    out.add(
        "apiVersion: patchwave.dev/v1\nkind: RolloutPolicy\nmetadata: {name: web-fleet}\nspec:\n  waves: [{size: 100%}]\n  health: {checks: [{name: x, kind: ssh, command: \"rm -rf / ; true\"}]}");
    out.add(
        "apiVersion: patchwave.dev/v1\nkind: RolloutPolicy\nmetadata: {name: web-fleet}\nspec:\n  waves: [{size: 100%}]\n  health: {checks: [{name: x, kind: http, url: \"file:///etc/passwd\"}]}");
    out.add("\u0000binary\u0001");
    return out;
  }
}
