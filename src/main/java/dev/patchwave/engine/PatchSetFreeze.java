package dev.patchwave.engine;

import dev.patchwave.engine.HostSteps.Needs;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PatchSet;
import dev.patchwave.plan.Placement;
import dev.patchwave.plan.Plan;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.Reason;
import dev.patchwave.rollout.RolloutState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Freezes a rollout's patch set from what its hosts need, so that canaries prove something (DESIGN
 * invariant 10).
 *
 * <ol>
 *   <li>Read what every selected host needs ({@link HostSteps#needs}), several hosts at once.
 *   <li>Leave out hosts that need nothing ({@code NOTHING_FOR_HOST}) or could not be read (with the
 *       reason: unreachable, host key, no driver).
 *   <li>Plan the waves again over the hosts that need something, the canaries covering every {@code
 *       coverBy} value and every version any host needs ({@link WavePlanner} with the needs to
 *       prove).
 *   <li>The patch set is what the first wave's hosts need. A later host that needs a version
 *       outside it (the search could not fit a canary for it within the group limits) is left out
 *       as {@code NOT_PROVEN}: never patched with a version no canary installed and soaked.
 * </ol>
 *
 * <p>Blocking; reads hosts, changes nothing.
 */
final class PatchSetFreeze {

  private PatchSetFreeze() {}

  static Observation freeze(
      RolloutState rollout,
      List<String> names,
      Function<String, Needs> read,
      Map<String, Host> inventory,
      ExecutorService pool,
      Instant now) {
    Map<String, CompletableFuture<Needs>> reads = new LinkedHashMap<>();
    for (String name : names) {
      reads.put(name, CompletableFuture.supplyAsync(() -> read.apply(name), pool));
    }
    Map<String, Observation.Skip> skipped = new TreeMap<>();
    Map<String, List<String>> mustProve = new TreeMap<>();
    Map<String, List<PackageVersion>> needs = new TreeMap<>();
    int unreadable = 0;
    for (var e : reads.entrySet()) {
      Needs n = e.getValue().join();
      if (n instanceof Needs.Unknown u) {
        unreadable++;
        skipped.put(e.getKey(), new Observation.Skip(u.reason(), u.detail()));
      } else if (((Needs.Versions) n).versions().isEmpty()) {
        List<PackageVersion> held = ((Needs.Versions) n).heldBack();
        skipped.put(
            e.getKey(),
            new Observation.Skip(
                Reason.NOTHING_FOR_HOST,
                held.isEmpty()
                    ? ""
                    : "held back: "
                        + held.stream().map(PackageVersion::pinned).collect(Collectors.joining(" "))
                        + " ("
                        + rollout.scope().describe()
                        + ")"));
      } else {
        List<PackageVersion> versions = ((Needs.Versions) n).versions();
        needs.put(e.getKey(), versions);
        mustProve.put(e.getKey(), versions.stream().map(PackageVersion::pinned).toList());
      }
    }
    if (unreadable == names.size()) {
      return new Observation.FreezeFailed(
          "no selected host could be read: "
              + skipped.entrySet().stream()
                  .limit(5)
                  .map(e -> e.getKey() + ": " + e.getValue().detail())
                  .collect(Collectors.joining("; ")));
    }
    String counts =
        needs.size()
            + " of "
            + names.size()
            + " hosts need an update"
            + (unreadable > 0 ? ", " + unreadable + " could not be read" : "");
    if (needs.isEmpty()) {
      return new Observation.PatchSetFrozen(PatchSet.EMPTY, counts, Optional.empty(), skipped);
    }
    for (String gone : List.copyOf(needs.keySet())) {
      if (!inventory.containsKey(gone)) {
        // left the inventory while the others were read (a node deleted)
        needs.remove(gone);
        mustProve.remove(gone);
        skipped.put(gone, new Observation.Skip(Reason.HOST_GONE, ""));
      }
    }
    if (needs.isEmpty()) {
      return new Observation.PatchSetFrozen(PatchSet.EMPTY, counts, Optional.empty(), skipped);
    }
    List<Host> needers = needs.keySet().stream().map(inventory::get).toList();
    Plan plan = WavePlanner.plan(rollout.policy(), needers, now, mustProve);
    List<String> canaries =
        plan.waves().stream()
            .filter(w -> w.hostCount() > 0)
            .findFirst()
            .map(w -> w.batches().stream().flatMap(b -> b.hosts().stream()))
            .map(s -> s.map(Placement::host).toList())
            .orElse(List.of());
    Set<PackageVersion> frozen = new TreeSet<>();
    canaries.forEach(c -> frozen.addAll(needs.get(c)));
    for (var e : needs.entrySet()) {
      List<PackageVersion> unproven =
          e.getValue().stream().filter(v -> !frozen.contains(v)).toList();
      if (!unproven.isEmpty()) {
        skipped.put(
            e.getKey(),
            new Observation.Skip(
                Reason.NOT_PROVEN,
                "no canary installs "
                    + unproven.stream().map(PackageVersion::pinned).collect(Collectors.joining(" "))
                    + (plan.notes().isEmpty() ? "" : "; " + String.join("; ", plan.notes()))));
      }
    }
    List<String> parts = new ArrayList<>();
    parts.add(counts);
    parts.add("canaries " + String.join(", ", canaries));
    return new Observation.PatchSetFrozen(
        PatchSet.of(frozen), String.join("; ", parts), Optional.of(plan), skipped);
  }
}
