package dev.patchwave.policy;

import dev.patchwave.policy.RolloutPolicy.Spec;
import dev.patchwave.policy.RolloutPolicy.Wave;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether a change to a policy loosens safety, and how (DESIGN invariant 11: such a change takes
 * effect only once a second person approves it).
 *
 * <p>Conservative: a change it cannot show to be at least as strict counts as loosening. Loosening
 * is: a broader selector (anything but added matchLabels or matchExpressions), more packages (an
 * origin of all, an added include, a removed exclude), more reboots, larger disruption limits or
 * fewer group keys, fewer coverBy keys, fewer waves or a wave larger, shorter or no longer gated, a
 * longer health interval or timeout, a check removed or changed, more failures tolerated or no
 * quarantine, more or changed windows, fewer blackouts, no drain or emptyDir data deleted. A new
 * policy loosens (from nothing to a policy that touches hosts).
 *
 * <p>Pure.
 */
public final class PolicyChange {

  private PolicyChange() {}

  /** How {@code after} loosens {@code before}, one line each; empty if it does not. */
  public static List<String> loosening(RolloutPolicy before, RolloutPolicy after) {
    List<String> out = new ArrayList<>();
    Spec b = before.spec();
    Spec a = after.spec();
    if (!isNarrowerOrEqual(b.selector(), a.selector())) {
      out.add("spec.selector: may select more hosts");
    }
    if (b.packages().origin() == RolloutPolicy.PackageOrigin.SECURITY
        && a.packages().origin() == RolloutPolicy.PackageOrigin.ALL) {
      out.add("spec.packages.origin: security -> all");
    }
    added(b.packages().include(), a.packages().include())
        .forEach(p -> out.add("spec.packages.include: added " + p));
    added(a.packages().exclude(), b.packages().exclude())
        .forEach(p -> out.add("spec.packages.exclude: removed " + p));
    if (a.reboot().when().ordinal() > b.reboot().when().ordinal()) {
      out.add("spec.reboot: " + b.reboot().when().word + " -> " + a.reboot().when().word);
    }
    if (b.reboot().trial() && !a.reboot().trial()) {
      out.add("spec.reboot.trial: true -> false (a bad kernel no longer falls back by itself)");
    }
    if (a.reboot().panicTimeout().compareTo(b.reboot().panicTimeout()) > 0) {
      out.add(
          "spec.reboot.panicTimeout: "
              + text(b.reboot().panicTimeout())
              + " -> "
              + text(a.reboot().panicTimeout()));
    }
    if (b.reboot().panicOnHang() && !a.reboot().panicOnHang()) {
      out.add("spec.reboot.panicOnHang: true -> false");
    }
    if (a.reboot().powerCycles() > b.reboot().powerCycles()) {
      out.add(
          "spec.reboot.powerCycles: "
              + b.reboot().powerCycles()
              + " -> "
              + a.reboot().powerCycles());
    }
    var bd = b.disruption();
    var ad = a.disruption();
    if (ad.maxUnavailablePerGroup() > bd.maxUnavailablePerGroup()) {
      out.add(
          "spec.disruption.maxUnavailablePerGroup: "
              + bd.maxUnavailablePerGroup()
              + " -> "
              + ad.maxUnavailablePerGroup());
    }
    if (isLarger(bd.maxUnavailable(), ad.maxUnavailable())) {
      out.add(
          "spec.disruption.maxUnavailable: " + bd.maxUnavailable() + " -> " + ad.maxUnavailable());
    }
    added(ad.groupBy(), bd.groupBy())
        .forEach(k -> out.add("spec.disruption.groupBy: removed " + k));
    added(a.canary().coverBy(), b.canary().coverBy())
        .forEach(k -> out.add("spec.canary.coverBy: removed " + k));
    waves(b.waves(), a.waves(), out);
    if (a.health().interval().compareTo(b.health().interval()) > 0) {
      out.add(
          "spec.health.interval: "
              + text(b.health().interval())
              + " -> "
              + text(a.health().interval()));
    }
    if (a.health().timeout().compareTo(b.health().timeout()) > 0) {
      out.add(
          "spec.health.timeout: "
              + text(b.health().timeout())
              + " -> "
              + text(a.health().timeout()));
    }
    Set<RolloutPolicy.CheckSpec> kept = new HashSet<>(a.health().checks());
    b.health().checks().stream()
        .filter(c -> !kept.contains(c))
        .forEach(c -> out.add("spec.health.checks: removed or changed " + c.name()));
    if (a.failure().maxFailedHosts() > b.failure().maxFailedHosts()) {
      out.add(
          "spec.failure.maxFailedHosts: "
              + b.failure().maxFailedHosts()
              + " -> "
              + a.failure().maxFailedHosts());
    }
    if (b.failure().quarantine() && !a.failure().quarantine()) {
      out.add("spec.failure.quarantine: true -> false");
    }
    if (!b.windows().isEmpty() && !new HashSet<>(b.windows()).containsAll(a.windows())) {
      out.add("spec.windows: more or other maintenance windows");
    }
    if (!b.windows().isEmpty() && a.windows().isEmpty()) {
      out.add("spec.windows: removed (work at any time)");
    }
    if (!new HashSet<>(a.blackouts()).containsAll(b.blackouts())) {
      out.add("spec.blackouts: a blackout removed or changed");
    }
    if (b.kubernetes().drain() && !a.kubernetes().drain()) {
      out.add("spec.kubernetes.drain: true -> false");
    }
    if (!b.kubernetes().deleteEmptyDirData() && a.kubernetes().deleteEmptyDirData()) {
      out.add("spec.kubernetes.deleteEmptyDirData: false -> true");
    }
    return out;
  }

  /** How a new policy loosens what was there before (nothing). */
  public static final List<String> CREATION =
      List.of("a new policy: selects hosts that no policy of this name selected");

  private static void waves(List<Wave> before, List<Wave> after, List<String> out) {
    if (after.size() < before.size()) {
      out.add("spec.waves: " + before.size() + " -> " + after.size() + " waves");
    }
    for (int i = 0; i < Math.min(before.size(), after.size()); i++) {
      Wave b = before.get(i);
      Wave a = after.get(i);
      String at = "spec.waves[" + i + "]";
      if (isLarger(b.size(), a.size())) {
        out.add(at + ".size: " + b.size() + " -> " + a.size());
      }
      if (a.soak().compareTo(b.soak()) < 0) {
        out.add(at + ".soak: " + text(b.soak()) + " -> " + text(a.soak()));
      }
      if (b.approval() == RolloutPolicy.Approval.MANUAL
          && a.approval() != RolloutPolicy.Approval.MANUAL) {
        out.add(at + ".approval: manual removed");
      }
    }
  }

  /** Every host {@code after} selects, {@code before} selects too (as far as can be shown). */
  private static boolean isNarrowerOrEqual(Selector before, Selector after) {
    for (Map.Entry<String, String> e : before.matchLabels().entrySet()) {
      if (!e.getValue().equals(after.matchLabels().get(e.getKey()))) {
        return false;
      }
    }
    return new HashSet<>(after.matchExpressions()).containsAll(before.matchExpressions());
  }

  /** {@code after} may be larger than {@code before} (a change of kind counts as larger). */
  private static boolean isLarger(Amount before, Amount after) {
    return before.percent() != after.percent() || after.value() > before.value();
  }

  private static List<String> added(List<String> before, List<String> after) {
    Set<String> had = new HashSet<>(before);
    return after.stream().filter(x -> !had.contains(x)).toList();
  }

  private static String text(Duration d) {
    return dev.patchwave.doc.Binder.formatDuration(d);
  }
}
