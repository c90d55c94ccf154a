package dev.patchwave.security;

import java.util.Set;

/**
 * One API token as stored: its name (the actor in the audit log), its roles, and the SHA-256 of the
 * token text. The token itself is never stored.
 */
public record ApiToken(String name, Set<String> roles, String sha256) {

  public ApiToken {
    roles = Set.copyOf(roles);
  }
}
