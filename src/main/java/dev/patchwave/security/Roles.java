package dev.patchwave.security;

import java.util.Set;

/** The roles of the API (DESIGN.md). A role grants exactly what it names; reading needs any. */
public final class Roles {

  /** Reads everything: policies, plans, hosts, rollouts, events, quarantine, audit. */
  public static final String VIEWER = "viewer";

  /** Writes policies; starts, pauses, resumes and aborts rollouts; quarantines a version. */
  public static final String OPERATOR = "operator";

  /** Approves gated waves; releases quarantined versions. */
  public static final String APPROVER = "approver";

  public static final Set<String> ALL = Set.of(VIEWER, OPERATOR, APPROVER);

  private Roles() {}
}
