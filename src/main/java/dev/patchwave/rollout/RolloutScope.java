package dev.patchwave.rollout;

import dev.patchwave.patch.PackageVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which versions a rollout may take, on top of its policy's {@code packages}: only the named
 * packages (an urgent fix alone), only the versions a schedule chose, and only versions first seen
 * at least {@code minPackageAge} before the rollout started. {@code ignoreMinAge} lifts the age
 * rule for the named packages only (a person asked for them explicitly; audited).
 *
 * <p>{@code proving}: quarantined versions this rollout installs to prove them innocent or guilty
 * (culprit isolation, ADR 20); the quarantine does not block them for this rollout's hosts, and the
 * rollout takes nothing else. Empty for every other rollout.
 */
public record RolloutScope(
    Optional<Set<String>> packages,
    Optional<Set<PackageVersion>> versions,
    Duration minPackageAge,
    boolean ignoreMinAge,
    Set<PackageVersion> proving) {

  public static final RolloutScope ANY =
      new RolloutScope(Optional.empty(), Optional.empty(), Duration.ZERO, false);

  public RolloutScope {
    packages = packages.map(p -> Set.copyOf(new TreeSet<>(p)));
    versions = versions.map(v -> Set.copyOf(new TreeSet<>(v)));
    proving = proving == null ? Set.of() : Set.copyOf(new TreeSet<>(proving));
    if (ignoreMinAge && packages.isEmpty()) {
      throw new IllegalArgumentException("ignoreMinAge needs the packages named explicitly");
    }
    if (!proving.isEmpty()
        && !(versions.equals(Optional.of(proving))
            && packages.isPresent()
            && packages.get().equals(names(proving)))) {
      throw new IllegalArgumentException(
          "a proving rollout takes exactly the versions it proves, and only their packages");
    }
  }

  public RolloutScope(
      Optional<Set<String>> packages,
      Optional<Set<PackageVersion>> versions,
      Duration minPackageAge,
      boolean ignoreMinAge) {
    this(packages, versions, minPackageAge, ignoreMinAge, Set.of());
  }

  /**
   * The scope of a rollout that proves {@code versions} (quarantined suspects of one incident):
   * only their packages, exactly those versions, whatever their age.
   */
  public static RolloutScope proving(Set<PackageVersion> versions) {
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("nothing to prove");
    }
    return new RolloutScope(
        Optional.of(names(versions)), Optional.of(versions), Duration.ZERO, false, versions);
  }

  private static Set<String> names(Set<PackageVersion> versions) {
    return versions.stream()
        .map(PackageVersion::name)
        .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
  }

  /** Whether this rollout proves quarantined suspects (culprit isolation). */
  public boolean provesSuspects() {
    return !proving.isEmpty();
  }

  /** The quarantined versions that still block this rollout's installs. */
  public Set<PackageVersion> blocking(java.util.Collection<PackageVersion> quarantined) {
    Set<PackageVersion> out = new java.util.HashSet<>(quarantined);
    out.removeAll(proving);
    return out;
  }

  /** Whether the rollout looks at pending package {@code name} at all. */
  public boolean wants(String name) {
    return packages.map(p -> p.contains(name)).orElse(true);
  }

  /**
   * Whether the rollout may install {@code v}, first seen pending at {@code firstSeen} (empty:
   * never seen by a scan, so of unknown age), for a rollout started at {@code startedAt}.
   */
  public boolean admits(PackageVersion v, Optional<Instant> firstSeen, Instant startedAt) {
    if (versions.isPresent() && !versions.get().contains(v)) {
      return false;
    }
    return oldEnough(v, firstSeen, startedAt);
  }

  /** The age rule alone. */
  public boolean oldEnough(PackageVersion v, Optional<Instant> firstSeen, Instant startedAt) {
    if (minPackageAge.isZero() || (ignoreMinAge && wants(v.name()))) {
      return true;
    }
    return firstSeen.isPresent() && !firstSeen.get().isAfter(startedAt.minus(minPackageAge));
  }

  /** One line for events: "packages openssl; at least 3d old". */
  public String describe() {
    if (provesSuspects()) {
      return "proving quarantined "
          + String.join(", ", proving.stream().map(PackageVersion::pinned).sorted().toList());
    }
    StringBuilder b = new StringBuilder();
    packages.ifPresent(p -> b.append("packages ").append(String.join(", ", new TreeSet<>(p))));
    versions.ifPresent(
        v -> b.append(b.length() > 0 ? "; " : "").append(v.size()).append(" scheduled versions"));
    if (!minPackageAge.isZero()) {
      b.append(b.length() > 0 ? "; " : "")
          .append(
              ignoreMinAge
                  ? "minimum package age ignored for the named packages"
                  : "versions at least "
                      + minPackageAge.toString().substring(2).toLowerCase()
                      + " old");
    }
    return b.toString();
  }
}
