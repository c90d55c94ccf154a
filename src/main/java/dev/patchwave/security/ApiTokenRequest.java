package dev.patchwave.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A bearer token that looks like a Patchwave API token ({@code pw_...}). */
public final class ApiTokenRequest extends BaseAuthenticationRequest {

  private final String token;

  public ApiTokenRequest(String token) {
    this.token = token;
  }

  public String token() {
    return token;
  }

  @Override
  public String toString() {
    return "ApiTokenRequest[token=<redacted>]";
  }
}
