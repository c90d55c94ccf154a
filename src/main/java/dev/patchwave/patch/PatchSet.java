package dev.patchwave.patch;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The exact package versions a rollout installs, frozen when it starts. A package may have several
 * versions in the set (one per OS release among the canaries); a host installs, for each package,
 * the set's version its package manager can offer, never any other.
 */
public record PatchSet(SortedSet<PackageVersion> packages) {

  public static final PatchSet EMPTY = new PatchSet(new TreeSet<>());

  public PatchSet {
    packages = new TreeSet<>(packages);
  }

  public static PatchSet of(Collection<PackageVersion> versions) {
    return new PatchSet(new TreeSet<>(versions));
  }

  public boolean contains(PackageVersion v) {
    return packages.contains(v);
  }

  public boolean isEmpty() {
    return packages.isEmpty();
  }

  public PatchSet union(Collection<PackageVersion> more) {
    TreeSet<PackageVersion> all = new TreeSet<>(packages);
    all.addAll(more);
    return new PatchSet(all);
  }

  /** Package name to the versions the set allows for it. */
  public Map<String, Set<String>> byName() {
    return packages.stream()
        .collect(
            Collectors.groupingBy(
                PackageVersion::name,
                TreeMap::new,
                Collectors.mapping(
                    PackageVersion::version, Collectors.toCollection(TreeSet::new))));
  }

  /**
   * What a host with these pending updates should install: for each pending package the set knows,
   * the set's version if the host offers exactly it. {@link Selection#unavailable} lists the set's
   * packages the host has pending but cannot install at the set's version (a newer candidate
   * replaced it); {@link Selection#outside} lists pending updates that the set does not hold.
   */
  public Selection select(List<PendingUpdate> pending, Map<String, Set<String>> availableVersions) {
    Map<String, Set<String>> allowed = byName();
    List<PackageVersion> install = new java.util.ArrayList<>();
    List<PackageVersion> unavailable = new java.util.ArrayList<>();
    List<PackageVersion> outside = new java.util.ArrayList<>();
    for (PendingUpdate u : pending) {
      Set<String> versions = allowed.get(u.name());
      if (versions == null) {
        outside.add(u.candidateVersion());
        continue;
      }
      if (versions.contains(u.candidate())) {
        install.add(u.candidateVersion());
        continue;
      }
      Set<String> offered = availableVersions.getOrDefault(u.name(), Set.of());
      String match = versions.stream().filter(offered::contains).findFirst().orElse(null);
      if (match != null) {
        install.add(new PackageVersion(u.name(), match));
      } else {
        unavailable.add(new PackageVersion(u.name(), String.join("|", versions)));
      }
    }
    return new Selection(List.copyOf(install), List.copyOf(unavailable), List.copyOf(outside));
  }

  public record Selection(
      List<PackageVersion> install,
      List<PackageVersion> unavailable,
      List<PackageVersion> outside) {}
}
