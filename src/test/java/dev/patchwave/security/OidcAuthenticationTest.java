package dev.patchwave.security;

import static io.restassured.RestAssured.given;

import com.sun.net.httpserver.HttpServer;
import dev.patchwave.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
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

  static KeyPair idpKey;
  static String issuer;

  /** A minimal OpenID provider: discovery and the signing key. */
  public static class Provider implements QuarkusTestResourceLifecycleManager {
    HttpServer server;

    @Override
    public Map<String, String> start() {
      try {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        idpKey = g.generateKeyPair();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        issuer = "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/ops";
        RSAPublicKey pub = (RSAPublicKey) idpKey.getPublic();
        String jwks =
            "{\"keys\": [{\"kty\": \"RSA\", \"kid\": \"k1\", \"use\": \"sig\", \"alg\": \"RS256\","
                + " \"n\": \""
                + b64(unsigned(pub.getModulus()))
                + "\", \"e\": \""
                + b64(unsigned(pub.getPublicExponent()))
                + "\"}]}";
        String discovery =
            "{\"issuer\": \""
                + issuer
                + "\", \"jwks_uri\": \""
                + issuer
                + "/certs\", \"token_endpoint\": \""
                + issuer
                + "/token\", \"id_token_signing_alg_values_supported\": [\"RS256\"]}";
        serve("/realms/ops/.well-known/openid-configuration", discovery);
        serve("/realms/ops/certs", jwks);
        server.start();
        return Map.of(
            "quarkus.oidc.tenant-enabled", "true",
            "quarkus.oidc.auth-server-url", issuer,
            "quarkus.oidc.client-id", "patchwave");
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    void serve(String path, String json) {
      server.createContext(
          path,
          x -> {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
          });
    }

    @Override
    public void stop() {
      server.stop(0);
    }
  }

  public static class WithOidc implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.datasource.jdbc.url", "jdbc:h2:mem:oidc;DB_CLOSE_DELAY=-1");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(Provider.class));
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
    String carol = jwt(idpKey, issuer, "carol", List.of("operator"), 300);
    given()
        .auth()
        .oauth2(carol)
        .contentType(ContentType.JSON)
        .body(POLICY)
        .put("/api/v1/policies/oidc-web")
        .then()
        .statusCode(201)
        .body("updatedBy", org.hamcrest.Matchers.equalTo("carol"));

    String dave = jwt(idpKey, issuer, "dave", List.of("viewer"), 300);
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
            jwt(other, issuer, "mallory", List.of("operator"), 300),
            jwt(idpKey, issuer, "carol", List.of("operator"), -600),
            jwt(idpKey, "http://127.0.0.1:1/realms/elsewhere", "carol", List.of("operator"), 300),
            "not.a.jwt")) {
      given().auth().oauth2(token).get("/api/v1/policies").then().statusCode(401);
    }
    String nobody = jwt(idpKey, issuer, "erin", List.of("admins", "developers"), 300);
    given().auth().oauth2(nobody).get("/api/v1/policies").then().statusCode(403);
  }

  /** An RS256 access token; {@code ttlSeconds} below zero makes one that expired that long ago. */
  static String jwt(KeyPair key, String iss, String user, List<String> groups, long ttlSeconds)
      throws GeneralSecurityException {
    long now = Instant.now().getEpochSecond();
    String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}";
    String payload =
        "{\"iss\":\""
            + iss
            + "\",\"sub\":\""
            + user
            + "-id\",\"preferred_username\":\""
            + user
            + "\",\"groups\":["
            + String.join(",", groups.stream().map(x -> "\"" + x + "\"").toList())
            + "],\"iat\":"
            + (now - 60 + Math.min(0, ttlSeconds))
            + ",\"exp\":"
            + (now + ttlSeconds)
            + "}";
    String signed =
        b64(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + b64(payload.getBytes(StandardCharsets.UTF_8));
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initSign(key.getPrivate());
    s.update(signed.getBytes(StandardCharsets.US_ASCII));
    return signed + "." + b64(s.sign());
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static byte[] unsigned(BigInteger n) {
    byte[] b = n.toByteArray();
    return b[0] == 0 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
  }
}
