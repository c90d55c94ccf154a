package dev.patchwave.policy;

import dev.patchwave.doc.Location;
import dev.patchwave.doc.Node;
import dev.patchwave.doc.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Limits no policy may exceed, set in the controller's configuration ({@code
 * patchwave.guardrails.*}), never through the API (DESIGN invariant 11). A policy that breaks one
 * is refused when it is stored; a stored policy is held to the guardrails in force when it is
 * planned or started, and the running engine never has more hosts in flight fleet-wide than {@link
 * #fleetLimit} allows.
 *
 * @param maxInFlight the most hosts in flight fleet-wide, across all rollouts, if set
 * @param maxInFlightPercent the most hosts in flight fleet-wide, as a percentage of the inventory
 *     (rounded down, at least one)
 * @param firstWaveRequired a policy must have a first wave smaller than the whole rollout
 * @param firstWaveMaxSize the largest first wave a policy may ask for (a count, or a percentage of
 *     the hosts it selects)
 * @param firstWaveMinSoak the shortest soak of the first wave
 * @param rebootAlwaysMaxUnavailable with {@code reboot: always}, the most hosts a policy may take
 *     down at once ({@code disruption.maxUnavailable})
 * @param selectAll whether a policy may select every host of the inventory
 */
public record Guardrails(
    Optional<Integer> maxInFlight,
    int maxInFlightPercent,
    boolean firstWaveRequired,
    Amount firstWaveMaxSize,
    Duration firstWaveMinSoak,
    int rebootAlwaysMaxUnavailable,
    boolean selectAll) {

  /** The configuration keys, as named in problems and in the docs. */
  public static final String PREFIX = "patchwave.guardrails.";

  /** Safe defaults: 10% in flight, a canary of at most 10% that soaks 10 minutes. */
  public static final Guardrails DEFAULT =
      new Guardrails(
          Optional.empty(), 10, true, Amount.percent(10), Duration.ofMinutes(10), 5, false);

  /** No limit at all (only for tests of the parts guardrails do not concern). */
  public static final Guardrails NONE =
      new Guardrails(
          Optional.empty(), 100, false, Amount.percent(100), Duration.ZERO, 1 << 30, true);

  /** A guardrail a policy breaks: where in the policy, and which guardrail. */
  public record Violation(String path, String guardrail, String message) {
    public String text() {
      return message + " (guardrail " + PREFIX + guardrail + ")";
    }
  }

  /** The guardrails the policy breaks by itself, without looking at any host. */
  public List<Violation> check(RolloutPolicy policy) {
    List<Violation> out = new ArrayList<>();
    var spec = policy.spec();
    var waves = spec.waves();
    RolloutPolicy.Wave first = waves.get(0);
    if (firstWaveRequired && (waves.size() < 2 || isWhole(first.size()))) {
      out.add(
          new Violation(
              "spec.waves",
              "first-wave.required",
              "a first wave smaller than the whole rollout is required, followed by at least one"
                  + " more wave"));
    }
    if (waves.size() > 1
        && first.size().percent() == firstWaveMaxSize.percent()
        && first.size().value() > firstWaveMaxSize.value()) {
      out.add(
          new Violation(
              "spec.waves[0].size",
              "first-wave.max-size",
              "the first wave may hold at most "
                  + firstWaveMaxSize
                  + " hosts, not "
                  + first.size()));
    }
    if (waves.size() > 1 && first.soak().compareTo(firstWaveMinSoak) < 0) {
      out.add(
          new Violation(
              "spec.waves[0].soak",
              "first-wave.min-soak",
              "the first wave must soak at least "
                  + dev.patchwave.doc.Binder.formatDuration(firstWaveMinSoak)
                  + ", not "
                  + dev.patchwave.doc.Binder.formatDuration(first.soak())));
    }
    if (spec.reboot().when() == RolloutPolicy.RebootMode.ALWAYS
        && !spec.disruption().maxUnavailable().percent()
        && spec.disruption().maxUnavailable().value() > rebootAlwaysMaxUnavailable) {
      out.add(
          new Violation(
              "spec.disruption.maxUnavailable",
              "reboot-always.max-unavailable",
              "with reboot: always at most "
                  + rebootAlwaysMaxUnavailable
                  + " hosts may be down at once, not "
                  + spec.disruption().maxUnavailable()));
    }
    if (!selectAll && spec.selector().equals(Selector.EVERYTHING)) {
      out.add(
          new Violation(
              "spec.selector",
              "select-all",
              "a policy may not select every host: give the selector a label to match"));
    }
    return out;
  }

  /**
   * The guardrails the policy breaks on the hosts it selects now.
   *
   * @param selected hosts the policy selects
   * @param inventory hosts in the inventory
   */
  public List<Violation> check(RolloutPolicy policy, int selected, int inventory) {
    List<Violation> out = new ArrayList<>(check(policy));
    RolloutPolicy.Wave first = policy.spec().waves().get(0);
    int asked =
        first.size().percent() ? first.size().ofTotalRoundedUp(selected) : first.size().value();
    int allowed = firstWaveMaxSize.ofTotalRoundedDownAtLeastOne(selected);
    if (policy.spec().waves().size() > 1
        && first.size().percent() != firstWaveMaxSize.percent()
        && asked > allowed) {
      out.add(
          new Violation(
              "spec.waves[0].size",
              "first-wave.max-size",
              "the first wave may hold at most "
                  + firstWaveMaxSize
                  + " ("
                  + allowed
                  + " of "
                  + selected
                  + " selected hosts), not "
                  + first.size()
                  + " ("
                  + asked
                  + ")"));
    }
    var maxUnavailable = policy.spec().disruption().maxUnavailable();
    if (policy.spec().reboot().when() == RolloutPolicy.RebootMode.ALWAYS
        && maxUnavailable.percent()
        && maxUnavailable.ofTotalRoundedDownAtLeastOne(selected) > rebootAlwaysMaxUnavailable) {
      out.add(
          new Violation(
              "spec.disruption.maxUnavailable",
              "reboot-always.max-unavailable",
              "with reboot: always at most "
                  + rebootAlwaysMaxUnavailable
                  + " hosts may be down at once, not "
                  + maxUnavailable
                  + " ("
                  + maxUnavailable.ofTotalRoundedDownAtLeastOne(selected)
                  + " of "
                  + selected
                  + " selected hosts)"));
    }
    if (!selectAll
        && inventory > 1
        && selected == inventory
        && check(policy).stream().noneMatch(v -> v.guardrail().equals("select-all"))) {
      out.add(
          new Violation(
              "spec.selector",
              "select-all",
              "the selector matches every host of the inventory (" + inventory + ")"));
    }
    return out;
  }

  /** The most hosts in flight fleet-wide, for an inventory of {@code inventory} hosts. */
  public int fleetLimit(int inventory) {
    int percent = Math.max(1, (int) ((long) inventory * maxInFlightPercent / 100));
    return Math.min(percent, maxInFlight.orElse(Integer.MAX_VALUE));
  }

  private static boolean isWhole(Amount size) {
    return size.percent() && size.value() >= 100;
  }

  private static final Pattern STEP = Pattern.compile("([^.\\[]+)|\\[(\\d+)]");

  /** Violations as located problems of the policy document {@code root}. */
  public static List<Problem> problems(List<Violation> violations, Node root) {
    return violations.stream()
        .map(v -> new Problem(v.path(), locate(root, v.path()), v.text()))
        .toList();
  }

  /** Where {@code path} ({@code spec.waves[0].soak}) is in the document, as near as it exists. */
  public static Location locate(Node root, String path) {
    Node at = root;
    Location best = root.location();
    Matcher m = STEP.matcher(path);
    while (m.find()) {
      if (m.group(1) != null && at instanceof Node.MapNode map) {
        Node.Entry e = map.entries().get(m.group(1));
        if (e == null) {
          break;
        }
        best = e.keyLocation();
        at = e.value();
      } else if (m.group(2) != null && at instanceof Node.ListNode list) {
        int i = Integer.parseInt(m.group(2));
        if (i >= list.items().size()) {
          break;
        }
        at = list.items().get(i);
        best = at.location();
      } else {
        break;
      }
    }
    return best;
  }
}
