package dev.patchwave.patch;

import java.util.Comparator;

/** One exact package version: what a patch set holds and what a host installs. */
public record PackageVersion(String name, String version) implements Comparable<PackageVersion> {

  private static final Comparator<PackageVersion> ORDER =
      Comparator.comparing(PackageVersion::name).thenComparing(PackageVersion::version);

  @Override
  public int compareTo(PackageVersion o) {
    return ORDER.compare(this, o);
  }

  /** {@code name=version}, the form apt-get install takes. */
  public String pinned() {
    return name + "=" + version;
  }

  @Override
  public String toString() {
    return pinned();
  }
}
