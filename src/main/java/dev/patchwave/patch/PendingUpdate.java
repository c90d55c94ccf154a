package dev.patchwave.patch;

import java.util.List;
import java.util.Optional;

/**
 * An update a host's package manager would install: the installed version (empty for a package that
 * would be newly installed), the candidate, and the suites the candidate comes from.
 */
public record PendingUpdate(
    String name,
    Optional<String> installed,
    String candidate,
    List<String> suites,
    boolean security) {

  public PendingUpdate {
    suites = List.copyOf(suites);
  }

  public PackageVersion candidateVersion() {
    return new PackageVersion(name, candidate);
  }
}
