package dev.patchwave.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A minimal OpenID provider on loopback, for the tests of OIDC: discovery, the signing key (JWKS),
 * RS256 tokens signed here, and the authorization-code flow (the authorization endpoint logs in
 * {@link #user} at once and redirects back with a code; the token endpoint exchanges it, checking
 * the client's secret, for an ID token and an access token).
 */
public class OpenIdProvider implements QuarkusTestResourceLifecycleManager {

  public static final String CLIENT_ID = "patchwave";
  public static final String CLIENT_SECRET = "test-client-secret";

  public static KeyPair key;
  public static String issuer;

  /** Who logs in at the authorization endpoint, and their groups. */
  public static volatile String user = "olga";

  public static volatile List<String> groups = List.of("operator", "viewer");

  /** How long the access tokens it issues last, in seconds. */
  public static volatile long accessTtl = 300;

  /** Device codes: how often each was polled, and who it logs in. */
  private static final Map<String, String[]> DEVICES = new ConcurrentHashMap<>();

  /** Refresh tokens: who each renews. */
  private static final Map<String, String[]> REFRESH = new ConcurrentHashMap<>();

  private static final Map<String, String[]> CODES = new ConcurrentHashMap<>();
  private HttpServer server;

  @Override
  public Map<String, String> start() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      key = g.generateKeyPair();
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      issuer = "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/ops";
      RSAPublicKey pub = (RSAPublicKey) key.getPublic();
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
              + "/certs\", \"authorization_endpoint\": \""
              + issuer
              + "/auth\", \"token_endpoint\": \""
              + issuer
              + "/token\", \"device_authorization_endpoint\": \""
              + issuer
              + "/device\", \"response_types_supported\": [\"code\"],"
              + " \"subject_types_supported\": [\"public\"],"
              + " \"id_token_signing_alg_values_supported\": [\"RS256\"]}";
      serve("/realms/ops/.well-known/openid-configuration", discovery);
      serve("/realms/ops/certs", jwks);
      server.createContext("/realms/ops/auth", this::authorize);
      server.createContext("/realms/ops/token", this::token);
      server.createContext("/realms/ops/device", this::device);
      server.start();
      Map<String, String> config = new HashMap<>();
      config.put("quarkus.oidc.tenant-enabled", "true");
      config.put("quarkus.oidc.auth-server-url", issuer);
      config.put("quarkus.oidc.client-id", CLIENT_ID);
      return config;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Logs {@link #user} in and sends the browser back with a one-time code. */
  private void authorize(HttpExchange x) throws IOException {
    Map<String, String> q = query(x.getRequestURI().getRawQuery());
    String code = b64(random(24));
    CODES.put(code, new String[] {user, String.join(",", groups), q.getOrDefault("nonce", "")});
    String back =
        q.get("redirect_uri")
            + (q.get("redirect_uri").contains("?") ? "&" : "?")
            + "code="
            + code
            + "&state="
            + URLEncoder.encode(q.getOrDefault("state", ""), StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Location", back);
    x.sendResponseHeaders(302, -1);
    x.close();
  }

  /** The device flow's start: a device code for the CLI, a user code for the person. */
  private void device(HttpExchange x) throws IOException {
    Map<String, String> form =
        query(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    String deviceCode = b64(random(24));
    String userCode = "WDJB-MJHT";
    DEVICES.put(deviceCode, new String[] {"0", user, String.join(",", groups)});
    respond(
        x,
        200,
        "{\"device_code\": \""
            + deviceCode
            + "\", \"user_code\": \""
            + userCode
            + "\", \"verification_uri\": \""
            + issuer
            + "/device/verify\", \"expires_in\": 60, \"interval\": 1, \"client\": \""
            + form.getOrDefault("client_id", "")
            + "\"}");
  }

  /**
   * The token endpoint: a code (the client presents its secret), a device code (pending at the
   * first poll, as if the person had not entered the code yet; then tokens), or a refresh token.
   */
  private void token(HttpExchange x) throws IOException {
    Map<String, String> form =
        query(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    String grant = form.getOrDefault("grant_type", "");
    if (grant.equals("urn:ietf:params:oauth:grant-type:device_code")) {
      String[] d = DEVICES.get(form.getOrDefault("device_code", ""));
      if (d == null) {
        respond(x, 400, "{\"error\": \"expired_token\"}");
      } else if (d[0].equals("0")) {
        d[0] = "1";
        respond(x, 400, "{\"error\": \"authorization_pending\"}");
      } else {
        DEVICES.remove(form.get("device_code"));
        issue(x, d[1], d[2]);
      }
      return;
    }
    if (grant.equals("refresh_token")) {
      String[] who = REFRESH.remove(form.getOrDefault("refresh_token", ""));
      if (who == null) {
        respond(x, 400, "{\"error\": \"invalid_grant\"}");
      } else {
        issue(x, who[0], who[1]);
      }
      return;
    }
    String basic = x.getRequestHeaders().getFirst("Authorization");
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
    boolean authenticated =
        expected.equals(basic)
            || (CLIENT_ID.equals(form.get("client_id"))
                && CLIENT_SECRET.equals(form.get("client_secret")));
    String[] who = CODES.remove(form.getOrDefault("code", ""));
    if (!authenticated || who == null) {
      respond(x, 400, "{\"error\": \"invalid_grant\"}");
      return;
    }
    try {
      List<String> g = who[1].isEmpty() ? List.of() : List.of(who[1].split(","));
      String id = jwt(key, issuer, who[0], g, 300, CLIENT_ID, who[2]);
      String access = jwt(key, issuer, who[0], g, 300, null, null);
      respond(
          x,
          200,
          "{\"access_token\": \""
              + access
              + "\", \"id_token\": \""
              + id
              + "\", \"token_type\": \"Bearer\", \"expires_in\": 300}");
    } catch (GeneralSecurityException e) {
      respond(x, 500, "{}");
    }
  }

  /** An access token (for {@link #accessTtl}) and a new refresh token, for a public client. */
  private void issue(HttpExchange x, String who, String groupList) throws IOException {
    try {
      List<String> g = groupList.isEmpty() ? List.of() : List.of(groupList.split(","));
      String refresh = b64(random(24));
      REFRESH.put(refresh, new String[] {who, groupList});
      respond(
          x,
          200,
          "{\"access_token\": \""
              + jwt(key, issuer, who, g, accessTtl, null, null)
              + "\", \"refresh_token\": \""
              + refresh
              + "\", \"token_type\": \"Bearer\", \"expires_in\": "
              + accessTtl
              + "}");
    } catch (GeneralSecurityException e) {
      respond(x, 500, "{}");
    }
  }

  private void serve(String path, String json) {
    server.createContext(path, x -> respond(x, 200, json));
  }

  private static void respond(HttpExchange x, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "application/json");
    x.sendResponseHeaders(status, body.length);
    x.getResponseBody().write(body);
    x.close();
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  @Override
  public void stop() {
    server.stop(0);
  }

  /** An RS256 access token; {@code ttlSeconds} below zero makes one that expired that long ago. */
  public static String jwt(KeyPair key, String iss, String user, List<String> groups, long ttl)
      throws GeneralSecurityException {
    return jwt(key, iss, user, groups, ttl, null, null);
  }

  /** A token; with {@code audience} (and a {@code nonce}) an ID token for that client. */
  public static String jwt(
      KeyPair key,
      String iss,
      String user,
      List<String> groups,
      long ttlSeconds,
      String audience,
      String nonce)
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
            + "],"
            + (audience == null ? "" : "\"aud\":\"" + audience + "\",")
            + (nonce == null || nonce.isEmpty() ? "" : "\"nonce\":\"" + nonce + "\",")
            + "\"iat\":"
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

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static byte[] unsigned(BigInteger n) {
    byte[] b = n.toByteArray();
    return b[0] == 0 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
  }
}
