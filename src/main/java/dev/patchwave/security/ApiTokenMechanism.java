package dev.patchwave.security;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * Reads {@code Authorization: Bearer pw_...}. Bearer tokens without the {@code pw_} prefix are left
 * to the next mechanism (OIDC, when enabled), so both kinds of token work side by side.
 */
@ApplicationScoped
public class ApiTokenMechanism implements HttpAuthenticationMechanism {

  private static final String BEARER = "bearer ";

  @Override
  public Uni<SecurityIdentity> authenticate(
      RoutingContext context, IdentityProviderManager identityProviderManager) {
    String header = context.request().getHeader("Authorization");
    if (header == null
        || header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Uni.createFrom().nullItem();
    }
    String token = header.substring(BEARER.length()).trim();
    if (!token.startsWith(ApiTokens.PREFIX)) {
      return Uni.createFrom().nullItem();
    }
    return identityProviderManager.authenticate(
        HttpSecurityUtils.setRoutingContextAttribute(new ApiTokenRequest(token), context));
  }

  @Override
  public Uni<ChallengeData> getChallenge(RoutingContext context) {
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
