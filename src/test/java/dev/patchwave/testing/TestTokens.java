package dev.patchwave.testing;

import dev.patchwave.security.ApiTokens;
import io.restassured.RestAssured;

/**
 * The API tokens of the test profile (their hashes are in {@code
 * src/test/resources/test-api-tokens.yaml}): one per role, an admin with all three, and a second
 * approver for the two-person rule.
 */
public final class TestTokens {

  public static final String ADMIN = "pw_test-admin-0000000000000000000000000000000";
  public static final String VIEWER = "pw_test-viewer-000000000000000000000000000000";
  public static final String OPERATOR = "pw_test-operator-0000000000000000000000000000";
  public static final String APPROVER = "pw_test-approver-0000000000000000000000000000";
  public static final String APPROVER_2 = "pw_test-approver2-000000000000000000000000000";

  private TestTokens() {}

  /** Every RestAssured request of this JVM from now on carries the admin token. */
  public static void actAsAdmin() {
    RestAssured.authentication = RestAssured.oauth2(ADMIN);
  }

  /** Prints the token file for the constants above (run by hand when they change). */
  public static void main(String[] args) {
    System.out.println("apiVersion: patchwave.dev/v1\nkind: ApiTokens\ntokens:");
    entry("admin", "[viewer, operator, approver]", ADMIN);
    entry("vera", "[viewer]", VIEWER);
    entry("otto", "[operator]", OPERATOR);
    entry("anna", "[approver]", APPROVER);
    entry("bert", "[approver, viewer]", APPROVER_2);
  }

  private static void entry(String name, String roles, String token) {
    System.out.printf(
        "  - name: %s%n    roles: %s%n    sha256: %s%n", name, roles, ApiTokens.sha256(token));
  }
}
