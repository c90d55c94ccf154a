package dev.patchwave.patch;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What a scan finds changed behind the controller's back, by comparing it with the previous scan of
 * the same host. Pure.
 *
 * <ul>
 *   <li>{@link Kind#INSTALLED}: a package the previous scan saw pending now has another version
 *       installed, and no rollout installed that version on this host (unattended-upgrades, a
 *       person's {@code apt upgrade}). Not judged while a rollout owns the host.
 *   <li>{@link Kind#PIN_FILE}: the quarantine pin file is missing or blocks other versions than the
 *       quarantine holds.
 *   <li>{@link Kind#SELF_UPDATING}: the host would install updates by itself (reported when it
 *       starts to, not at every scan).
 * </ul>
 */
public final class Drift {
  private Drift() {}

  public enum Kind {
    INSTALLED,
    PIN_FILE,
    SELF_UPDATING
  }

  public record Finding(Kind kind, String detail) {}

  /**
   * @param previous the host's last good scan before {@code now}
   * @param installedByRollout whether a rollout installed this version on this host
   * @param quarantined the versions the pin file should block (empty: no file, or an empty one)
   * @param ownedByRollout whether an unfinished rollout owns the host now
   */
  public static List<Finding> find(
      Optional<HostScan> previous,
      HostScan now,
      Predicate<PackageVersion> installedByRollout,
      Set<PackageVersion> quarantined,
      boolean ownedByRollout) {
    List<Finding> out = new ArrayList<>();
    if (previous.isPresent() && !ownedByRollout) {
      for (PendingUpdate was : previous.get().pending()) {
        String version = now.installed().get(was.name());
        if (version == null || version.equals(was.installed().orElse(null))) {
          continue;
        }
        PackageVersion v = new PackageVersion(was.name(), version);
        if (!installedByRollout.test(v)) {
          out.add(
              new Finding(
                  Kind.INSTALLED,
                  v.pinned()
                      + " installed outside any rollout (was "
                      + was.installed().orElse("not installed")
                      + ")"));
        }
      }
    }
    Set<PackageVersion> found = new TreeSet<>(now.pinFile().orElse(List.of()));
    if (!found.equals(new TreeSet<>(quarantined))) {
      out.add(
          new Finding(
              Kind.PIN_FILE,
              now.pinFile().isEmpty()
                  ? "the quarantine pin file is missing (should block " + quarantined + ")"
                  : "the quarantine pin file blocks "
                      + found
                      + " instead of "
                      + new TreeSet<>(quarantined)));
    }
    boolean wasSelfUpdating = previous.map(p -> p.selfUpdate().updatesItself()).orElse(false);
    if (now.selfUpdate().updatesItself() && !wasSelfUpdating) {
      out.add(new Finding(Kind.SELF_UPDATING, "updates itself: " + now.selfUpdate().how()));
    }
    return out;
  }
}
