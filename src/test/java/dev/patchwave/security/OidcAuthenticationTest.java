package dev.patchwave.security;

import static io.restassured.RestAssured.given;

import dev.patchwave.testing.OpenIdProvider;
import dev.patchwave.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OIDC bearer tokens next to API tokens, against a real OpenID provider on loopback (discovery
 * document and JWKS over HTTP; RS256 tokens signed in the test): roles come from the groups claim,
 * a token from another key or an expired one is refused, and API tokens keep working.
 */
@QuarkusTest
@TestProfile(OidcAuthenticationTest.WithOidc.class)
class OidcAuthenticationTest {

  public static class WithOidc implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.datasource.jdbc.url", "jdbc:h2:mem:oidc;DB_CLOSE_DELAY=-1");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(OpenIdProvider.class));
    }
  }

  @BeforeAll
  static void noDefaultToken() {
    RestAssured.authentication = RestAssured.DEFAULT_AUTH;
  }

  static final String POLICY =
      """
      {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy", "metadata": {"name": "oidc-web"},
       "spec": {"selector": {"matchLabels": {"role": "web"}}, "waves": [{"size": "100%"}]}}
      """;

  @Test
  void groupsClaimGivesRolesAndTheUserIsTheActor() throws Exception {
    String carol =
        jwt(OpenIdProvider.key, OpenIdProvider.issuer, "carol", List.of("operator"), 300);
    given()
        .auth()
        .oauth2(carol)
        .contentType(ContentType.JSON)
        .body(POLICY)
        .put("/api/v1/policies/oidc-web")
        .then()
        .statusCode(201)
        .body("updatedBy", org.hamcrest.Matchers.equalTo("carol"));

    String dave = jwt(OpenIdProvider.key, OpenIdProvider.issuer, "dave", List.of("viewer"), 300);
    given().auth().oauth2(dave).get("/api/v1/policies").then().statusCode(200);
    given()
        .auth()
        .oauth2(dave)
        .delete("/api/v1/policies/oidc-web")
        .then()
        .statusCode(403)
        .contentType("application/problem+json");

    // API tokens work beside OIDC
    given()
        .auth()
        .oauth2(TestTokens.VIEWER)
        .get("/api/v1/audit?action=policy.put")
        .then()
        .statusCode(200)
        .body("actor", org.hamcrest.Matchers.hasItem("carol"));
  }

  @Test
  void foreignKeysExpiredTokensAndUnknownRolesAreRefused() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair other = g.generateKeyPair();
    for (String token :
        List.of(
            jwt(other, OpenIdProvider.issuer, "mallory", List.of("operator"), 300),
            jwt(OpenIdProvider.key, OpenIdProvider.issuer, "carol", List.of("operator"), -600),
            jwt(
                OpenIdProvider.key,
                "http://127.0.0.1:1/realms/elsewhere",
                "carol",
                List.of("operator"),
                300),
            "not.a.jwt")) {
      given().auth().oauth2(token).get("/api/v1/policies").then().statusCode(401);
    }
    String nobody =
        jwt(
            OpenIdProvider.key,
            OpenIdProvider.issuer,
            "erin",
            List.of("admins", "developers"),
            300);
    given().auth().oauth2(nobody).get("/api/v1/policies").then().statusCode(403);
  }

  static String jwt(KeyPair key, String iss, String user, List<String> groups, long ttl)
      throws GeneralSecurityException {
    return OpenIdProvider.jwt(key, iss, user, groups, ttl);
  }
}
