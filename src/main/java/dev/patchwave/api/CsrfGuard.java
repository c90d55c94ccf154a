package dev.patchwave.api;

import dev.patchwave.security.ApiTokenMechanism;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;

/**
 * Cross-site request forgery: a browser sends cookies by itself, so a request that changes anything
 * and is authenticated by a cookie (the console's session, or an OIDC session) must prove that it
 * comes from a console page: it carries the {@value #HEADER} header, equal to the {@value #COOKIE}
 * cookie that the console set (a page of another site can read neither). A request with an {@code
 * Authorization} header (the CLI, scripts) carries its credential itself and is not concerned.
 *
 * <p>Independently, any state-changing request without an {@code Authorization} header whose {@code
 * Origin} names another site is refused, the login form included. Both answer 403 problem+json
 * {@code csrf} before the request reaches authentication.
 */
@ApplicationScoped
public class CsrfGuard {

  /** The console's CSRF token: random, set with the session, {@code HttpOnly}. */
  public static final String COOKIE = "pw_csrf";

  /** The header a console page sends the token back in (the page holds it in a meta tag). */
  public static final String HEADER = "X-CSRF-Token";

  private static final String OIDC_SESSION = "q_session";

  private static final SecureRandom RANDOM = new SecureRandom();

  void register(@Observes Filters filters) {
    // after RequestGuard (100): a malformed request is refused for what it is first
    filters.register(this::check, 90);
  }

  void check(RoutingContext rc) {
    HttpServerRequest request = rc.request();
    if (isSafe(request.method()) || request.getHeader("Authorization") != null) {
      rc.next();
      return;
    }
    String origin = request.getHeader("Origin");
    if (origin != null && !sameOrigin(origin, request)) {
      refuse(rc, "the request's Origin is another site");
      return;
    }
    if (!hasSessionCookie(request)) {
      rc.next();
      return;
    }
    Cookie expected = request.getCookie(COOKIE);
    String presented = request.getHeader(HEADER);
    if (expected == null || presented == null || !matches(expected.getValue(), presented)) {
      refuse(
          rc,
          "a request authenticated by a session cookie must carry the console's "
              + HEADER
              + " header");
      return;
    }
    rc.next();
  }

  /** A new token for {@value #COOKIE}: 256 random bits, base64url. */
  public static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Compares in constant time; an empty token never matches. */
  public static boolean matches(String expected, String presented) {
    return expected != null
        && presented != null
        && !expected.isEmpty()
        && MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }

  private static boolean isSafe(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS;
  }

  private static boolean hasSessionCookie(HttpServerRequest request) {
    if (request.getCookie(ApiTokenMechanism.SESSION_COOKIE) != null) {
      return true;
    }
    return request.cookies().stream().anyMatch(c -> c.getName().startsWith(OIDC_SESSION));
  }

  /**
   * The origin's host and port against the request's own authority (which a trusted proxy's {@code
   * X-Forwarded-Host} sets when {@code quarkus.http.proxy.proxy-address-forwarding} is on). The
   * scheme is not compared: a TLS-terminating proxy makes it differ. {@code Origin: null} is never
   * the same origin.
   */
  static boolean sameOrigin(String origin, HttpServerRequest request) {
    var authority = request.authority();
    if (authority == null) {
      return false;
    }
    try {
      URI uri = new URI(origin);
      if (uri.getHost() == null) {
        return false;
      }
      String host = uri.getHost().toLowerCase(Locale.ROOT);
      int port = uri.getPort() != -1 ? uri.getPort() : defaultPort(uri.getScheme());
      int ownPort =
          authority.port() > 0
              ? authority.port()
              : defaultPort(request.isSSL() ? "https" : request.scheme());
      return host.equals(authority.host().toLowerCase(Locale.ROOT)) && port == ownPort;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static int defaultPort(String scheme) {
    return "https".equalsIgnoreCase(scheme) ? 443 : 80;
  }

  private static void refuse(RoutingContext rc, String detail) {
    RequestGuard.refuse(rc, 403, "csrf", "Cross-site request refused", detail);
  }
}
