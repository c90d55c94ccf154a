package dev.patchwave.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Turns an API token into an identity: the token's name and roles. */
@ApplicationScoped
public class ApiTokenIdentityProvider implements IdentityProvider<ApiTokenRequest> {

  public static final String MECHANISM = "api-token";

  private final ApiTokens tokens;

  public ApiTokenIdentityProvider(ApiTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public Class<ApiTokenRequest> getRequestType() {
    return ApiTokenRequest.class;
  }

  @Override
  public Uni<SecurityIdentity> authenticate(
      ApiTokenRequest request, AuthenticationRequestContext context) {
    return context.runBlocking(
        () ->
            tokens
                .find(request.token())
                .<SecurityIdentity>map(
                    t ->
                        QuarkusSecurityIdentity.builder()
                            .setPrincipal(new QuarkusPrincipal(t.name()))
                            .addRoles(t.roles())
                            .addAttribute("mechanism", MECHANISM)
                            .build())
                .orElseThrow(() -> new AuthenticationFailedException("unknown API token")));
  }
}
