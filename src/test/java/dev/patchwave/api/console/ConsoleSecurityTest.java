package dev.patchwave.api.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console's session and its CSRF protection, over HTTP: the login form, the cookie's flags,
 * what a cookie-authenticated request needs to change anything, and what each role is offered.
 * (ConsoleBrowserTest drives the same in a real browser.)
 */
@QuarkusTest
class ConsoleSecurityTest {

  private static final Pattern FORM_CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
  private static final Pattern PAGE_CSRF =
      Pattern.compile("<meta name=\"csrf-token\" content=\"([^\"]+)\"");

  /** The session and CSRF cookies of one logged-in person. */
  record Session(String token, String csrf) {}

  @BeforeEach
  void noBearer() {
    RestAssured.authentication = RestAssured.DEFAULT_AUTH;
  }

  @AfterEach
  void restore() {
    TestTokens.actAsAdmin();
  }

  static Session login(String apiToken) {
    Response page = given().redirects().follow(false).get("/console/login");
    assertThat(page.statusCode()).isEqualTo(200);
    String formCsrf = match(FORM_CSRF, page.asString());
    assertThat(page.getCookie("pw_csrf")).isEqualTo(formCsrf);
    Response r =
        given()
            .redirects()
            .follow(false)
            .cookie("pw_csrf", formCsrf)
            .contentType(ContentType.URLENC)
            .formParam("token", apiToken)
            .formParam("csrf", formCsrf)
            .post("/console/login");
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.header("Location")).endsWith("/console/rollouts");
    String session = r.getCookie("pw_session");
    String csrf = r.getCookie("pw_csrf");
    assertThat(session).isEqualTo(apiToken);
    assertThat(csrf).isNotEqualTo(formCsrf); // a fresh one with the session
    return new Session(session, csrf);
  }

  static String match(Pattern p, String text) {
    Matcher m = p.matcher(text);
    assertThat(m.find()).as("%s in the page", p).isTrue();
    return m.group(1);
  }

  @Test
  void aPageWithoutASessionSendsThePersonToTheLoginPage() {
    Response r = given().redirects().follow(false).get("/console/rollouts");
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.header("Location")).endsWith("/console/login");
    // the API itself still answers 401 to a program
    given().post("/api/v1/rollouts/1/pause").then().statusCode(401);
  }

  @Test
  void theSessionCookieIsHttpOnlyStrictAndHoldsNoTokenInAUrl() {
    Response page = given().get("/console/login");
    String formCsrf = match(FORM_CSRF, page.asString());
    Response r =
        given()
            .redirects()
            .follow(false)
            .cookie("pw_csrf", formCsrf)
            .contentType(ContentType.URLENC)
            .formParam("token", TestTokens.VIEWER)
            .formParam("csrf", formCsrf)
            .post("/console/login");
    List<String> setCookies = r.headers().getValues("Set-Cookie");
    assertThat(setCookies).hasSize(2);
    assertThat(setCookies)
        .allSatisfy(
            c ->
                assertThat(c)
                    .containsIgnoringCase("HttpOnly")
                    .containsIgnoringCase("SameSite=Strict")
                    .contains("Path=/")
                    .doesNotContainIgnoringCase("Secure")); // plain HTTP here: no Secure
    assertThat(r.header("Location")).doesNotContain(TestTokens.VIEWER);
    // the session's start is audited, under the token's name, without the token
    TestTokens.actAsAdmin();
    var audit = given().queryParam("action", "console.login").get("/api/v1/audit").jsonPath();
    assertThat(audit.getList("actor", String.class)).contains("vera");
    assertThat(audit.prettify()).doesNotContain(TestTokens.VIEWER);
  }

  @Test
  void aLoginNeedsTheFormsCsrfTokenAndAValidApiToken() {
    Response page = given().get("/console/login");
    String formCsrf = match(FORM_CSRF, page.asString());
    // another site posting the form: no matching CSRF token
    Response forged =
        given()
            .redirects()
            .follow(false)
            .contentType(ContentType.URLENC)
            .formParam("token", TestTokens.ADMIN)
            .formParam("csrf", "guessed")
            .cookie("pw_csrf", formCsrf)
            .post("/console/login");
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.getCookie("pw_session")).isNull();
    // a wrong token
    Response wrong =
        given()
            .redirects()
            .follow(false)
            .contentType(ContentType.URLENC)
            .formParam("token", "pw_not-a-token")
            .formParam("csrf", formCsrf)
            .cookie("pw_csrf", formCsrf)
            .post("/console/login");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.getCookie("pw_session")).isNull();
    assertThat(wrong.asString()).contains("That token is not valid.");
    // the login form posted from another origin
    Response crossSite =
        given()
            .redirects()
            .follow(false)
            .header("Origin", "https://evil.example")
            .contentType(ContentType.URLENC)
            .formParam("token", TestTokens.ADMIN)
            .formParam("csrf", formCsrf)
            .cookie("pw_csrf", formCsrf)
            .post("/console/login");
    assertThat(crossSite.statusCode()).isEqualTo(403);
    assertThat(crossSite.contentType()).startsWith("application/problem+json");
    assertThat(crossSite.getCookie("pw_session")).isNull();
  }

  @Test
  void aChangeAuthenticatedByTheCookieNeedsTheCsrfHeader() {
    Session s = login(TestTokens.ADMIN);
    String body =
        "{\"packageName\": \"console-csrf-probe\", \"version\": \"1.0-1\","
            + " \"reason\": \"test\"}";
    // no header
    Response bare =
        given()
            .cookie("pw_session", s.token())
            .cookie("pw_csrf", s.csrf())
            .contentType(ContentType.JSON)
            .body(body)
            .post("/api/v1/quarantine");
    assertThat(bare.statusCode()).isEqualTo(403);
    assertThat(bare.jsonPath().getString("type")).endsWith("/csrf");
    // a header that does not match the cookie
    given()
        .cookie("pw_session", s.token())
        .cookie("pw_csrf", s.csrf())
        .header("X-CSRF-Token", s.csrf() + "x")
        .contentType(ContentType.JSON)
        .body(body)
        .post("/api/v1/quarantine")
        .then()
        .statusCode(403);
    // the header without the cookie (a script on another site cannot set our cookie)
    given()
        .cookie("pw_session", s.token())
        .header("X-CSRF-Token", s.csrf())
        .contentType(ContentType.JSON)
        .body(body)
        .post("/api/v1/quarantine")
        .then()
        .statusCode(403);
    // the right header but from another origin
    given()
        .cookie("pw_session", s.token())
        .cookie("pw_csrf", s.csrf())
        .header("X-CSRF-Token", s.csrf())
        .header("Origin", "http://localhost.evil.example")
        .contentType(ContentType.JSON)
        .body(body)
        .post("/api/v1/quarantine")
        .then()
        .statusCode(403);
    // nothing of that changed anything
    TestTokens.actAsAdmin();
    assertThat(given().get("/api/v1/quarantine").jsonPath().getList("packageName", String.class))
        .doesNotContain("console-csrf-probe");
    RestAssured.authentication = RestAssured.DEFAULT_AUTH;
    // as the console sends it: cookie, header, same origin
    long id =
        given()
            .cookie("pw_session", s.token())
            .cookie("pw_csrf", s.csrf())
            .header("X-CSRF-Token", s.csrf())
            .header("Origin", RestAssured.baseURI + ":" + RestAssured.port)
            .contentType(ContentType.JSON)
            .body(body)
            .post("/api/v1/quarantine")
            .then()
            .statusCode(201)
            .extract()
            .jsonPath()
            .getLong("id");
    // and the audit log names the token's owner, as for a bearer token
    TestTokens.actAsAdmin();
    assertThat(
            given()
                .queryParam("action", "quarantine.add")
                .get("/api/v1/audit")
                .jsonPath()
                .getList("actor", String.class))
        .contains("admin");
    given().delete("/api/v1/quarantine/" + id).then().statusCode(204);
  }

  @Test
  void aBearerTokenNeedsNoCsrfToken() {
    TestTokens.actAsAdmin();
    // the guard passes it on: the API answers for the rollout (404: no such rollout)
    given().post("/api/v1/rollouts/999999/pause").then().statusCode(404);
  }

  @Test
  void thirtyConcurrentForgedChangesAreAllRefused() throws Exception {
    Session s = login(TestTokens.ADMIN);
    ExecutorService pool = Executors.newFixedThreadPool(30);
    try {
      List<Callable<Integer>> calls = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        int n = i;
        calls.add(
            () ->
                given()
                    .cookie("pw_session", s.token())
                    .cookie("pw_csrf", s.csrf())
                    .header("X-CSRF-Token", n % 2 == 0 ? "" : s.csrf().substring(1))
                    .contentType(ContentType.JSON)
                    .body("{\"policy\": \"demo-web\"}")
                    .post("/api/v1/rollouts")
                    .statusCode());
      }
      List<Integer> codes = new ArrayList<>();
      for (Future<Integer> f : pool.invokeAll(calls)) {
        codes.add(f.get());
      }
      assertThat(codes).hasSize(30).containsOnly(403);
    } finally {
      pool.shutdownNow();
    }
    TestTokens.actAsAdmin();
    assertThat(given().get("/api/v1/rollouts").jsonPath().getList("policy", String.class))
        .doesNotContain("demo-web");
  }

  @Test
  void aViewerIsOfferedNoAction() {
    Session s = login(TestTokens.VIEWER);
    for (String page :
        List.of(
            "/console/rollouts", "/console/quarantine", "/console/fleet", "/console/policies")) {
      String html =
          given()
              .cookie("pw_session", s.token())
              .cookie("pw_csrf", s.csrf())
              .get(page)
              .then()
              .statusCode(200)
              .extract()
              .asString();
      assertThat(html).as(page).doesNotContain("data-action=\"/api");
      assertThat(html).as(page).contains("vera");
    }
    String policy =
        given()
            .cookie("pw_session", s.token())
            .get("/console/policies/demo-brokers")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(policy).contains("demo-brokers").doesNotContain("data-action=\"/api");
  }

  @Test
  void anOperatorIsOfferedWhatAnOperatorMayDoAndNoApproval() {
    Session s = login(TestTokens.OPERATOR);
    String rollouts = given().cookie("pw_session", s.token()).get("/console/rollouts").asString();
    assertThat(rollouts).contains("id=\"start-form\"");
    String quarantine =
        given().cookie("pw_session", s.token()).get("/console/quarantine").asString();
    assertThat(quarantine).contains("id=\"quarantine-form\"").doesNotContain("class=\"release\"");
  }

  @Test
  void pagesCarryTheCsrfTokenAndAStrictContentSecurityPolicy() {
    Session s = login(TestTokens.ADMIN);
    Response r =
        given()
            .cookie("pw_session", s.token())
            .cookie("pw_csrf", s.csrf())
            .get("/console/rollouts");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(match(PAGE_CSRF, r.asString())).isEqualTo(s.csrf());
    String csp = r.header("Content-Security-Policy");
    assertThat(csp).contains("script-src 'self'").contains("frame-ancestors 'none'");
    assertThat(csp).doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
    assertThat(r.asString()).doesNotContainPattern("<script(?![^>]*\\bsrc=)");
    assertThat(r.asString()).doesNotContain(" style=\"").doesNotContain(" onclick=");
  }

  @Test
  void logoutNeedsTheCsrfHeaderAndExpiresTheCookies() {
    Session s = login(TestTokens.VIEWER);
    given()
        .cookie("pw_session", s.token())
        .cookie("pw_csrf", s.csrf())
        .post("/console/logout")
        .then()
        .statusCode(403);
    Response out =
        given()
            .cookie("pw_session", s.token())
            .cookie("pw_csrf", s.csrf())
            .header("X-CSRF-Token", s.csrf())
            .post("/console/logout");
    assertThat(out.statusCode()).isEqualTo(204);
    assertThat(out.headers().getValues("Set-Cookie"))
        .anySatisfy(
            c -> assertThat(c).startsWith("pw_session=;").containsIgnoringCase("Max-Age=0"));
  }
}
