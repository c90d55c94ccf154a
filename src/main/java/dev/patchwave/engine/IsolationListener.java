package dev.patchwave.engine;

import java.util.List;

/**
 * Told when a culprit isolation ends (ADR 20): notifications listen here. Called on the isolation
 * thread (or the aborting request's) after the end is saved; must return quickly and never throw.
 */
public interface IsolationListener {

  /**
   * Isolation {@code isolation} of incident {@code incident} (policy {@code policy}) on {@code
   * host} ended in {@code phase} ({@code ISOLATED}, {@code NARROWED}, {@code CLEARED}, {@code
   * INCONCLUSIVE}, {@code ABORTED}) for {@code detail}; {@code kept}: the incident's versions still
   * quarantined.
   */
  void ended(
      long isolation,
      long incident,
      String policy,
      String host,
      String phase,
      String detail,
      List<String> kept);
}
