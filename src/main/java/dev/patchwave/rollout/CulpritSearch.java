package dev.patchwave.rollout;

import dev.patchwave.patch.PackageVersion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Culprit isolation's decisions (ADR 20), free of I/O: which quarantined suspects of an incident to
 * prove next on the isolation's host, and what a finished proving rollout says about them.
 *
 * <p>Suspects that need no reboot are proven first, those that need one (kernels, libc, systemd)
 * last: a kernel proven last boots on trial, so a host that proved it guilty is back on its old
 * kernel and the packages proven before it stay proven. A group is installed together by one
 * proving rollout of one host; healthy through the policy's health gate and canary soak, every
 * version in it is innocent; failed after installing it, the culprit is in it.
 */
public final class CulpritSearch {

  private CulpritSearch() {}

  /** How suspects are grouped. */
  public enum Strategy {
    /** One suspect per proof: as many proofs as suspects, the culprit named exactly. */
    ONE_AT_A_TIME("oneAtATime"),
    /**
     * Half the remaining suspects of one kind per proof: few proofs when most are innocent; a
     * guilty half of more than one is implicated (the culprit is among them), and the next
     * isolation (on another fresh host) proves them first.
     */
    HALVES("halves");

    public final String word;

    Strategy(String word) {
      this.word = word;
    }

    public static Optional<Strategy> of(String word) {
      for (Strategy s : values()) {
        if (s.word.equals(word)) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    }
  }

  /** What one proof says about the versions it installed. */
  public enum Outcome {
    /** Installed, healthy through the gate and the soak: none of them is the culprit. */
    INNOCENT,
    /** Installed, then the host failed its health gate or its boot: the culprit is among them. */
    GUILTY,
    /** The proof says nothing: not installed, the host unreachable, the rollout stopped. */
    INCONCLUSIVE
  }

  /** An outcome with the reason a person reads. */
  public record Judgement(Outcome outcome, String detail) {}

  /** Packages whose new version takes effect only after a reboot, by name. */
  private static final List<String> REBOOT_PACKAGES =
      List.of(
          "linux-image-*",
          "linux-modules-*",
          "linux-generic*",
          "linux-signed-*",
          "linux-firmware",
          "kernel",
          "kernel-*",
          "libc6",
          "glibc",
          "glibc-*",
          "systemd",
          "libsystemd0",
          "udev",
          "dbus",
          "dbus-*",
          "openssl-libs",
          "gnutls");

  /**
   * Whether {@code v} needs a reboot to take effect: its name is a kernel's, libc's, systemd's or
   * dbus's, or names the kernel the failed host was to boot ({@code kernel}, e.g.
   * 6.8.0-49-generic).
   */
  public static boolean needsReboot(PackageVersion v, Optional<String> kernel) {
    String name = v.name();
    for (String p : REBOOT_PACKAGES) {
      if (p.endsWith("*") ? name.startsWith(p.substring(0, p.length() - 1)) : name.equals(p)) {
        return true;
      }
    }
    return kernel.filter(k -> !k.isEmpty() && name.contains(k)).isPresent();
  }

  /**
   * The suspects in the order they are proven: those needing no reboot first, each kind by name and
   * version.
   */
  public static List<PackageVersion> order(
      List<PackageVersion> suspects, Predicate<PackageVersion> needsReboot) {
    return suspects.stream()
        .distinct()
        .sorted(
            Comparator.comparing((PackageVersion v) -> needsReboot.test(v))
                .thenComparing(Comparator.naturalOrder()))
        .toList();
  }

  /**
   * The versions to prove together next; empty when no suspect is left. {@code implicated}: the
   * suspects of a group that an earlier isolation proved guilty as a whole (the culprit is among
   * them); they are proven before any other suspect.
   */
  public static List<PackageVersion> nextGroup(
      List<PackageVersion> suspects,
      Set<PackageVersion> implicated,
      Predicate<PackageVersion> needsReboot,
      Strategy strategy) {
    List<PackageVersion> pool = suspects.stream().filter(implicated::contains).toList();
    List<PackageVersion> ordered = order(pool.isEmpty() ? suspects : pool, needsReboot);
    if (ordered.isEmpty()) {
      return List.of();
    }
    if (strategy == Strategy.ONE_AT_A_TIME) {
      return List.of(ordered.get(0));
    }
    // a group never mixes the kinds: the first kind left, half of it (rounded up)
    boolean kind = needsReboot.test(ordered.get(0));
    List<PackageVersion> same = new ArrayList<>();
    for (PackageVersion v : ordered) {
      if (needsReboot.test(v) == kind) {
        same.add(v);
      }
    }
    return List.copyOf(same.subList(0, (same.size() + 1) / 2));
  }

  /**
   * Why a host with labels {@code candidate} cannot stand in for the failed host (labels {@code
   * failed}) in a proof: the first of {@code keys} on which the failed host has a value and the
   * candidate another (or none). A version that is bad on one hardware class, OS release or kind of
   * machine proves nothing on another, so a proof there could release the culprit. Empty if none.
   */
  public static Optional<String> unlike(
      java.util.Map<String, String> failed,
      java.util.Map<String, String> candidate,
      List<String> keys) {
    for (String key : keys) {
      String want = failed.get(key);
      if (want != null && !want.equals(candidate.get(key))) {
        String found = candidate.get(key);
        return Optional.of(
            key + " is " + (found == null ? "not set" : found) + ", the failed host's is " + want);
      }
    }
    return Optional.empty();
  }

  /** Host failures that come after the versions were installed and say they broke the host. */
  private static final Set<Reason> GUILTY =
      Set.of(Reason.HEALTH_FAILED, Reason.KERNEL_FELL_BACK, Reason.DID_NOT_COME_BACK);

  /**
   * What the finished proving rollout {@code rollout} says about {@code group} proven on {@code
   * host}.
   */
  public static Judgement judge(RolloutState rollout, String host, List<PackageVersion> group) {
    if (!rollout.phase().isTerminal()) {
      throw new IllegalArgumentException("rollout " + rollout.id() + " has not finished");
    }
    HostState h = rollout.hosts().get(host);
    if (h == null) {
      return new Judgement(
          Outcome.INCONCLUSIVE, host + " was not in proving rollout " + rollout.id());
    }
    List<PackageVersion> missing = group.stream().filter(v -> !h.installed().contains(v)).toList();
    String where = host + " (rollout " + rollout.id() + ")";
    if (h.phase() == HostPhase.HEALTHY) {
      if (!missing.isEmpty()) {
        return new Judgement(
            Outcome.INCONCLUSIVE,
            where
                + " did not install "
                + pinned(missing)
                + ": it had it already or was not offered it; prove it on another host");
      }
      return new Judgement(
          Outcome.INNOCENT,
          where
              + " installed "
              + pinned(group)
              + " and stayed healthy through its health gate"
              + " and soak");
    }
    if (h.phase() == HostPhase.FAILED && GUILTY.contains(h.reason()) && missing.isEmpty()) {
      return new Judgement(
          Outcome.GUILTY,
          where + " installed " + pinned(group) + ", then " + h.reason().text + ": " + h.detail());
    }
    return new Judgement(
        Outcome.INCONCLUSIVE,
        where
            + " "
            + h.phase().name()
            + (h.reason() == null ? "" : " (" + h.reason().text + ")")
            + (h.detail().isEmpty() ? "" : ": " + h.detail())
            + "; rollout "
            + rollout.phase().name());
  }

  static String pinned(List<PackageVersion> vs) {
    return String.join(" ", vs.stream().map(PackageVersion::pinned).toList());
  }
}
