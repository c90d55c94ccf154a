package dev.patchwave.api.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.testing.OpenIdProvider;
import dev.patchwave.testing.TestTokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The console's login through the OIDC authorization-code flow (OIDC in hybrid mode), against an
 * OpenID provider on loopback, with a browser's cookie jar and redirects: the person lands on the
 * rollouts with an OIDC session and the console's CSRF token, gets the roles of their groups, needs
 * the CSRF header to change anything, and bearer tokens keep working beside it.
 */
@QuarkusTest
@TestProfile(ConsoleOidcTest.Hybrid.class)
class ConsoleOidcTest {

  public static class Hybrid implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "quarkus.oidc.application-type", "hybrid",
          "quarkus.oidc.credentials.secret", OpenIdProvider.CLIENT_SECRET,
          "quarkus.datasource.jdbc.url", "jdbc:h2:mem:console-oidc;DB_CLOSE_DELAY=-1");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(OpenIdProvider.class));
    }
  }

  @TestHTTPResource("/")
  URL base;

  /** A browser: a cookie jar, and it follows redirects (to the provider and back). */
  record Browser(HttpClient http, CookieManager cookies) {
    static Browser open() {
      CookieManager jar = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
      return new Browser(
          HttpClient.newBuilder()
              .cookieHandler(jar)
              .followRedirects(HttpClient.Redirect.ALWAYS)
              .build(),
          jar);
    }

    HttpResponse<String> get(String url) throws IOException, InterruptedException {
      return http.send(
          HttpRequest.newBuilder(URI.create(url)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String url, String json, Map<String, String> headers)
        throws IOException, InterruptedException {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(url))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(json));
      headers.forEach(b::header);
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    String cookie(String name) {
      return cookies.getCookieStore().getCookies().stream()
          .filter(c -> c.getName().equals(name))
          .map(HttpCookie::getValue)
          .findFirst()
          .orElse(null);
    }
  }

  @AfterEach
  void defaults() {
    OpenIdProvider.user = "olga";
    OpenIdProvider.groups = List.of("operator", "viewer");
  }

  String url(String path) {
    return base.toString().replaceAll("/$", "") + path;
  }

  @Test
  void aPersonLogsInThroughTheProviderAndActsWithTheRolesOfTheirGroups() throws Exception {
    Browser b = Browser.open();
    assertThat(b.get(url("/console/login")).body()).contains("href=\"/console/oidc-login\"");

    HttpResponse<String> landed = b.get(url("/console/oidc-login"));
    assertThat(landed.statusCode()).isEqualTo(200);
    assertThat(landed.uri().getPath()).isEqualTo("/console/rollouts");
    assertThat(landed.body()).contains("olga").contains("id=\"start-form\"");
    assertThat(b.cookie("q_session")).isNotNull();
    assertThat(b.cookie("pw_session")).isNull();
    String csrf = b.cookie("pw_csrf");
    assertThat(csrf).isNotNull();

    String body = "{\"packageName\": \"oidc-probe\", \"version\": \"1.0-1\", \"reason\": \"test\"}";
    HttpResponse<String> forged = b.post(url("/api/v1/quarantine"), body, Map.of());
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.body()).contains("/csrf");
    HttpResponse<String> added =
        b.post(url("/api/v1/quarantine"), body, Map.of("X-CSRF-Token", csrf, "Origin", url("")));
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);

    // the audit log names the person; a bearer token works beside the session
    HttpResponse<String> audit =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url("/api/v1/audit?action=console.login")))
                    .header("Authorization", "Bearer " + TestTokens.ADMIN)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(audit.statusCode()).isEqualTo(200);
    assertThat(audit.body()).contains("\"actor\":\"olga\"");

    // logging out ends the session: the next page is the login page
    HttpResponse<String> out =
        b.post(url("/console/logout"), "", Map.of("X-CSRF-Token", csrf, "Origin", url("")));
    assertThat(out.statusCode()).isEqualTo(204);
    assertThat(b.get(url("/console/rollouts")).uri().getPath()).isEqualTo("/console/login");
  }

  @Test
  void aViewerFromTheProviderIsOfferedNoAction() throws Exception {
    OpenIdProvider.user = "vic";
    OpenIdProvider.groups = List.of("viewer");
    Browser b = Browser.open();
    HttpResponse<String> landed = b.get(url("/console/oidc-login"));
    assertThat(landed.uri().getPath()).isEqualTo("/console/rollouts");
    assertThat(landed.body()).contains("vic").doesNotContain("data-action=\"/api");
  }
}
