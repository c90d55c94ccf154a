package dev.patchwave.security;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * Reads {@code Authorization: Bearer pw_...}, or, without that header, the web console's session
 * cookie ({@value #SESSION_COOKIE}, set at the console's login: {@code HttpOnly}, {@code
 * SameSite=Strict}), which holds the same kind of token. Bearer tokens without the {@code pw_}
 * prefix are left to the next mechanism (OIDC, when enabled), so both kinds of token work side by
 * side. A request authenticated by the cookie must carry the console's CSRF token to change
 * anything (the API's {@code CsrfGuard}).
 */
@ApplicationScoped
public class ApiTokenMechanism implements HttpAuthenticationMechanism {

  private static final String BEARER = "bearer ";

  /** The console's session cookie: an API token, never readable by scripts. */
  public static final String SESSION_COOKIE = "pw_session";

  private static final String CONSOLE = "/console/";
  public static final String LOGIN_PAGE = "/console/login";

  @Override
  public Uni<SecurityIdentity> authenticate(
      RoutingContext context, IdentityProviderManager identityProviderManager) {
    String header = context.request().getHeader("Authorization");
    String token;
    if (header == null) {
      var cookie = context.request().getCookie(SESSION_COOKIE);
      if (cookie == null) {
        return Uni.createFrom().nullItem();
      }
      token = cookie.getValue();
    } else if (header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Uni.createFrom().nullItem();
    } else {
      token = header.substring(BEARER.length()).trim();
    }
    if (!token.startsWith(ApiTokens.PREFIX)) {
      return Uni.createFrom().nullItem();
    }
    return identityProviderManager.authenticate(
        HttpSecurityUtils.setRoutingContextAttribute(new ApiTokenRequest(token), context));
  }

  @Override
  public Uni<ChallengeData> getChallenge(RoutingContext context) {
    if (context.request().method() == HttpMethod.GET
        && context.request().path().startsWith(CONSOLE)) {
      // a person opening a console page without a session: to the login page
      return Uni.createFrom().item(new ChallengeData(303, "Location", LOGIN_PAGE));
    }
    return Uni.createFrom()
        .item(new ChallengeData(401, "WWW-Authenticate", "Bearer realm=\"patchwave\""));
  }

  /** Before OIDC's mechanism, which would refuse a {@code pw_} token as a malformed JWT. */
  @Override
  public int getPriority() {
    return DEFAULT_PRIORITY + 1000;
  }

  @Override
  public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
    return Set.of(ApiTokenRequest.class);
  }
}
