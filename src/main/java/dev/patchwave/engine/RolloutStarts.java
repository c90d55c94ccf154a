package dev.patchwave.engine;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.engine.RolloutEngine.OnConflict;
import dev.patchwave.engine.RolloutEngine.Refused;
import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.persistence.PolicyStore;
import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.plan.Plan;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.CheckCatalogue;
import dev.patchwave.policy.Guardrails;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.Event;
import dev.patchwave.rollout.Reason;
import dev.patchwave.rollout.RolloutScope;
import dev.patchwave.rollout.RolloutState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Creates a rollout: reads its policy, holds it to the guardrails in force, plans it against the
 * inventory without the hosts other rollouts own (or refuses, naming them), and creates the rollout
 * with its claims in one transaction. The database's constraints decide a race between concurrent
 * starts (DESIGN invariant 9): the loser is refused, or with {@link OnConflict#SKIP} planned again
 * without the hosts the winner took.
 */
final class RolloutStarts {

  /** How often a start with SKIP plans again after losing a race for hosts. */
  static final int ATTEMPTS = 3;

  private final PolicyStore policies;
  private final RolloutStore store;
  private final HostSource inventory;
  private final Guardrails guardrails;
  private final CheckCatalogue checks;
  private final Clock clock;
  private final int maxStartsPerHour;

  RolloutStarts(
      PolicyStore policies,
      RolloutStore store,
      HostSource inventory,
      Guardrails guardrails,
      CheckCatalogue checks,
      Clock clock,
      int maxStartsPerHour) {
    this.maxStartsPerHour = maxStartsPerHour;
    this.policies = policies;
    this.store = store;
    this.inventory = inventory;
    this.guardrails = guardrails;
    this.checks = checks;
    this.clock = clock;
  }

  /** The created rollout, PENDING, its hosts claimed. */
  RolloutState create(
      String policyName, String actor, OnConflict onConflict, RolloutEngine.Narrowing narrowing) {
    PolicyStore.Entry entry =
        policies
            .get(policyName)
            .orElseThrow(() -> new Refused("no policy named '" + policyName + "'", false));
    if (maxStartsPerHour > 0) {
      Instant now = clock.instant();
      Optional<Instant> oldest =
          store.startsSince(policyName, now.minus(Duration.ofHours(1)), maxStartsPerHour);
      if (oldest.isPresent()) {
        throw new Refused(
            "policy '"
                + policyName
                + "' was started "
                + maxStartsPerHour
                + " times in the last hour (patchwave.rollouts.max-starts-per-hour)",
            Duration.between(now, oldest.get().plus(Duration.ofHours(1))));
      }
    }
    RolloutPolicy policy;
    try {
      policy = PolicyReader.read(entry.source());
    } catch (DocumentException e) {
      throw new IllegalStateException("stored policy no longer validates", e);
    }
    // a policy stored before the catalogue changed is held to the catalogue in force now
    List<CheckCatalogue.Refusal> outside = checks.check(policy);
    if (!outside.isEmpty()) {
      throw new Refused(
          "policy '"
              + policyName
              + "' has checks outside the controller's check catalogue: "
              + String.join(
                  "; ", outside.stream().map(r -> r.path() + ": " + r.message()).toList()),
          false,
          List.of(),
          outside);
    }
    for (int attempt = 1; ; attempt++) {
      alreadyRunning(policyName);
      List<Host> hosts = inventory.hosts();
      List<String> selected =
          hosts.stream()
              .filter(h -> policy.spec().selector().matches(h.labels()))
              .map(Host::name)
              .toList();
      List<Guardrails.Violation> broken = guardrails.check(policy, selected.size(), hosts.size());
      if (!broken.isEmpty()) {
        throw new Refused(
            "policy '"
                + policyName
                + "' breaks the controller's guardrails: "
                + String.join("; ", broken.stream().map(Guardrails.Violation::text).toList()),
            false,
            broken);
      }
      Map<String, Long> owned = store.owners(selected);
      if (!owned.isEmpty() && onConflict == OnConflict.FAIL) {
        throw new Refused(
            ownedBy(owned) + "; start with \"onConflict\": \"skip\" to leave them out", true);
      }
      Plan plan =
          WavePlanner.plan(
              policy,
              hosts.stream().filter(h -> !owned.containsKey(h.name())).toList(),
              clock.instant());
      String leftOut = owned.isEmpty() ? "" : "left out: " + ownedBy(owned);
      if (!owned.isEmpty()) {
        List<String> notes = new ArrayList<>(plan.notes());
        notes.add(leftOut);
        plan =
            new Plan(
                plan.policy(),
                plan.plannedAt(),
                plan.earliestStart(),
                plan.selectedHosts(),
                plan.groupBy(),
                plan.waves(),
                notes);
      }
      RolloutScope scope =
          new RolloutScope(
              narrowing.packages(),
              narrowing.versions(),
              policy.spec().minPackageAge(),
              narrowing.ignoreMinAge());
      RolloutState draft = RolloutState.start(0, policy, plan, actor, clock.instant(), scope);
      String text =
          "policy "
              + policyName
              + " revision "
              + entry.revision()
              + ", "
              + plan.selectedHosts()
              + " hosts in "
              + plan.waves().size()
              + " waves"
              + (leftOut.isEmpty() ? "" : "; " + leftOut)
              + (scope.describe().isEmpty() ? "" : "; " + scope.describe());
      Event started =
          new Event(
              clock.instant(), Reason.STARTED, Optional.empty(), Optional.empty(), actor, text);
      try {
        return store.create(draft, entry.source(), List.of(started));
      } catch (RolloutStore.Taken e) {
        alreadyRunning(policyName);
        if (onConflict == OnConflict.FAIL || attempt >= ATTEMPTS) {
          Map<String, Long> now = store.owners(selected);
          throw new Refused(
              now.isEmpty()
                  ? "another rollout took hosts of policy '" + policyName + "' at the same moment"
                  : ownedBy(now),
              true);
        }
      }
    }
  }

  /**
   * A rollout that proves quarantined {@code versions} on {@code host} alone (ADR 20): {@code
   * policy} (the incident's, as its rollout ran it) planned over that one host, so that its health
   * checks, maintenance windows and canary soak apply; it claims the host and not the policy.
   *
   * @throws Refused if the host is not in the inventory, the policy does not select it, or another
   *     rollout claims it
   */
  RolloutState createProving(
      RolloutPolicy policy,
      String policySource,
      String host,
      java.util.Set<dev.patchwave.patch.PackageVersion> versions,
      String actor,
      String why) {
    Host h =
        inventory.hosts().stream()
            .filter(x -> x.name().equals(host))
            .findFirst()
            .orElseThrow(() -> new Refused("host " + host + " is not in the inventory", false));
    Plan plan = WavePlanner.plan(policy, List.of(h), clock.instant());
    if (plan.selectedHosts() != 1) {
      throw new Refused(
          "policy '" + policy.name() + "' does not select host " + host + " (its selector)", false);
    }
    Map<String, Long> owned = store.owners(List.of(host));
    if (!owned.isEmpty()) {
      throw new Refused(ownedBy(owned), true);
    }
    RolloutScope scope = RolloutScope.proving(versions);
    RolloutState draft = RolloutState.start(0, policy, plan, actor, clock.instant(), scope);
    Event started =
        new Event(
            clock.instant(),
            Reason.STARTED,
            Optional.empty(),
            Optional.empty(),
            actor,
            why + "; " + scope.describe() + " on " + host);
    try {
      return store.create(draft, policySource, List.of(started));
    } catch (RolloutStore.Taken e) {
      throw new Refused(ownedBy(store.owners(List.of(host))), true);
    }
  }

  private void alreadyRunning(String policyName) {
    Optional<Long> running = store.runningRolloutOf(policyName);
    if (running.isPresent()) {
      throw new Refused(
          "a rollout of policy '" + policyName + "' is already running: rollout " + running.get(),
          true);
    }
  }

  /** "3 selected hosts are in unfinished rollouts: rollout 4 owns a, b; rollout 7 owns c". */
  static String ownedBy(Map<String, Long> owned) {
    Map<Long, List<String>> byRollout = new TreeMap<>();
    owned.forEach((h, r) -> byRollout.computeIfAbsent(r, k -> new ArrayList<>()).add(h));
    List<String> parts = new ArrayList<>();
    byRollout.forEach(
        (r, hs) ->
            parts.add(
                "rollout "
                    + r
                    + " owns "
                    + String.join(", ", hs.stream().sorted().limit(20).toList())
                    + (hs.size() > 20 ? " and " + (hs.size() - 20) + " more" : "")));
    return owned.size() + " selected hosts are in unfinished rollouts: " + String.join("; ", parts);
  }
}
