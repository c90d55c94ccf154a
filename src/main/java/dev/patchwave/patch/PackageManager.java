package dev.patchwave.patch;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A host's package manager, as commands to run and parsers of what they print. Pure: it neither
 * connects nor runs anything. Every name and version that reaches an argv has passed {@link
 * PackageGrammar}; output that does not parse is reported, never trusted.
 */
public interface PackageManager {

  /** Refreshes the package index (apt-get update). */
  Command refreshIndex();

  /** Lists pending updates without installing anything. */
  Command listUpdates();

  List<PendingUpdate> parseUpdates(String stdout);

  /** Lists every version the repositories offer for {@code names}. */
  Command availableVersions(Collection<String> names);

  Map<String, Set<String>> parseAvailableVersions(String stdout);

  /** Simulates installing exactly {@code versions}; prints what would be installed. */
  Command simulateInstall(Collection<PackageVersion> versions);

  /** The exact versions the simulation would install, dependencies included. */
  List<PackageVersion> parseSimulation(String stdout);

  /** Installs exactly {@code versions}, non-interactively, keeping existing config files. */
  Command install(Collection<PackageVersion> versions);

  /** Why an install failed, from its exit code and error output. */
  InstallFailure classifyFailure(int exitCode, String stderr);

  /** Installed versions of {@code names}. */
  Command queryInstalled(Collection<String> names);

  Map<String, String> parseInstalled(String stdout);

  /** Exits 0 when the host needs a reboot to finish the update. */
  Command rebootRequired();

  /** Prints the kernel the host will boot next. */
  Command nextKernel();

  Optional<String> parseNextKernel(String stdout);

  /** Blocks {@code versions} on the host (empty: removes the block). */
  Command writeQuarantine(Collection<PackageVersion> versions, String explanation);

  /** How an install failed, typed by the reaction it needs. */
  enum InstallFailure {
    /** Another package manager holds the lock: try again later; the host is not failed. */
    LOCKED,
    /** The exact version is not offered (any more): the host fails cleanly. */
    VERSION_UNAVAILABLE,
    /** Anything else: the host fails. */
    FAILED
  }
}
