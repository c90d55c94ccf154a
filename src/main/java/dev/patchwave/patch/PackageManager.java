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

  /**
   * The commands that list pending updates without installing anything (apt: one simulated
   * dist-upgrade; dnf: check-update, the security advisories, the installed versions); their
   * outputs, in the same order, go to {@link #parsePending}.
   */
  List<Command> pendingQueries();

  List<PendingUpdate> parsePending(List<String> outputs);

  /**
   * Whether {@code command} did its job, from its exit code and error output (dnf check-update
   * exits 100 when updates are pending; a dnf simulation exits 1 after printing its transaction).
   */
  default boolean accepted(Command command, int exitCode, String stdout, String stderr) {
    return exitCode == 0;
  }

  /** Lists every version the repositories offer for {@code names}. */
  Command availableVersions(Collection<String> names);

  Map<String, Set<String>> parseAvailableVersions(String stdout);

  /** Simulates installing exactly {@code versions}; prints what would be installed. */
  Command simulateInstall(Collection<PackageVersion> versions);

  /** The exact versions the simulation would install, dependencies included. */
  List<PackageVersion> parseSimulation(String stdout);

  /**
   * A batch step that checks, on the host, the output of {@link #simulateInstall} just before it
   * and stops the batch unless every version it would install is in {@code allowed}; so that the
   * simulation, its check and the install travel in one round trip. Empty when the driver has no
   * such check (the engine then checks the simulation itself, a round trip earlier).
   */
  default Optional<Batch.Step> installGuard(Collection<PackageVersion> allowed) {
    return Optional.empty();
  }

  /** Installs exactly {@code versions}, non-interactively, keeping existing config files. */
  Command install(Collection<PackageVersion> versions);

  /** Why an install failed, from its exit code and error output. */
  InstallFailure classifyFailure(int exitCode, String stderr);

  /** Installed versions of {@code names}. */
  Command queryInstalled(Collection<String> names);

  Map<String, String> parseInstalled(String stdout);

  /** Tells whether the host needs a reboot to finish the update ({@link #rebootNeeded}). */
  Command rebootProbe();

  boolean rebootNeeded(int exitCode, String stdout);

  /** Prints the kernel the host will boot next. */
  Command nextKernel();

  Optional<String> parseNextKernel(String stdout);

  /**
   * Blocks exactly {@code versions} on the host (empty: removes the block), given the block file as
   * {@link #readQuarantine} found it ({@code current}, empty if missing): a driver whose file is
   * shared with other tools (dnf's versionlock list) keeps their lines.
   */
  Command writeQuarantine(Collection<PackageVersion> versions, String explanation, String current);

  /** Prints the quarantine block as the host has it. */
  Command readQuarantine();

  /** The versions the host's quarantine block holds; empty when it has none (no file). */
  Optional<List<PackageVersion>> parseQuarantine(int exitCode, String stdout);

  /** Lists packages held back from upgrades (apt-mark hold, versionlock). */
  Command heldPackages();

  List<String> parseHeld(String stdout);

  /** Prints what asks for the reboot the host needs (run only when one is required). */
  Command rebootRequiredBy();

  List<String> parseRebootRequiredBy(String stdout);

  /** Prints the configuration that decides whether the host installs updates by itself. */
  Command selfUpdateConfig();

  /** Exits 0 when the timer that runs the host's own updates is enabled. */
  Command selfUpdateTimer();

  /** Whether the host would update itself, from the outputs of the two commands above. */
  HostScan.SelfUpdate parseSelfUpdate(String config, int timerExit, String timerOut);

  /**
   * Turns the host's own automatic installs off in the least invasive way (downloads may stay on),
   * as one command that can be run again. {@link #adoptionNote} says what it changes.
   */
  Command adopt();

  /** Undoes {@link #adopt}. */
  Command restoreAdopted();

  /** What {@link #adopt} changes, for the record kept to undo it. */
  String adoptionNote();

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
