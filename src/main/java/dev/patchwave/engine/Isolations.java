package dev.patchwave.engine;

import dev.patchwave.engine.RolloutEngine.Refused;
import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.persistence.AuditLog;
import dev.patchwave.persistence.IncidentRecord;
import dev.patchwave.persistence.IsolationRecord;
import dev.patchwave.persistence.IsolationStepRecord;
import dev.patchwave.persistence.IsolationStore;
import dev.patchwave.persistence.QuarantineStore;
import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.CulpritSearch;
import dev.patchwave.rollout.CulpritSearch.Judgement;
import dev.patchwave.rollout.CulpritSearch.Outcome;
import dev.patchwave.rollout.CulpritSearch.Strategy;
import dev.patchwave.rollout.Decision;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.RolloutState;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Culprit isolation (ADR 20): proves the suspects of one incident on one fresh host, one proving
 * rollout per group ({@link CulpritSearch}), releasing the innocent and keeping the culprit.
 *
 * <p>Everything it knows is in the database (the isolation, its proofs, the proving rollouts), so
 * that a restarted or newly leading controller goes on where the last one stopped: {@link #advance}
 * looks at the proof under way and either waits for its rollout, judges it, or starts the next one.
 * It runs when a proving rollout ends and every {@code patchwave.isolation.poll}, on the leader
 * only.
 */
@ApplicationScoped
public class Isolations implements RolloutListener {

  private static final Logger LOG = Logger.getLogger(Isolations.class);

  public static final String ACTOR_PREFIX = "isolation ";

  private final IsolationStore isolations;
  private final QuarantineStore quarantine;
  private final RolloutStore rollouts;
  private final RolloutEngine engine;
  private final HostSource inventory;
  private final HostSteps steps;
  private final AuditLog audit;
  private final jakarta.enterprise.inject.Instance<IsolationListener> listeners;
  private final Duration poll;
  private final ExecutorService work =
      Executors.newSingleThreadExecutor(RolloutEngine.daemon("patchwave-isolation"));
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(RolloutEngine.daemon("patchwave-isolation-poll"));

  public Isolations(
      IsolationStore isolations,
      QuarantineStore quarantine,
      RolloutStore rollouts,
      RolloutEngine engine,
      HostSource inventory,
      HostSteps steps,
      AuditLog audit,
      jakarta.enterprise.inject.Instance<IsolationListener> listeners,
      @ConfigProperty(name = "patchwave.isolation.poll") Duration poll) {
    this.listeners = listeners;
    this.isolations = isolations;
    this.quarantine = quarantine;
    this.rollouts = rollouts;
    this.engine = engine;
    this.inventory = inventory;
    this.steps = steps;
    this.audit = audit;
    this.poll = poll;
  }

  void onStart(@Observes StartupEvent e) {
    long every = Math.max(1000, poll.toMillis());
    timer.scheduleWithFixedDelay(this::advanceLater, every, every, TimeUnit.MILLISECONDS);
  }

  void onStop(@Observes ShutdownEvent e) {
    timer.shutdownNow();
    work.shutdownNow();
  }

  /** A proving rollout ended: look at its isolation now rather than at the next poll. */
  @Override
  public void saved(RolloutState before, Decision decision) {
    RolloutState after = decision.state();
    if (after.scope().provesSuspects()
        && after.phase().isTerminal()
        && !before.phase().isTerminal()) {
      advanceLater();
    }
  }

  /** Advances every running isolation soon, on the isolation thread. */
  public void advanceLater() {
    try {
      work.execute(this::advanceAll);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      // shutting down
    }
  }

  private void advanceAll() {
    if (!engine.isActive()) {
      return;
    }
    for (long id : isolations.running()) {
      try {
        advance(id);
      } catch (RuntimeException ex) {
        LOG.errorf(ex, "isolation %d: could not advance; trying again at the next poll", id);
      }
    }
  }

  /**
   * Starts isolating incident {@code incidentId}'s suspects on {@code host} (or on a host chosen
   * here) with {@code strategy}; the first proof starts on the isolation thread.
   *
   * @throws Refused if there is nothing to prove, no fresh host, the named host does not qualify
   *     (not a conflict), or an isolation of the incident or on the host runs already (a conflict)
   */
  public IsolationRecord start(
      IncidentRecord incident, Optional<String> host, Strategy strategy, String actor) {
    List<PackageVersion> suspects = quarantine.suspectsOf(incident.id);
    if (suspects.isEmpty()) {
      throw new Refused(
          "incident " + incident.id + " has no suspect left to prove: each is proven or released",
          true);
    }
    RolloutState failed = incidentRollout(incident);
    String chosen =
        host.isPresent()
            ? check(incident, failed, suspects, host.get())
            : choose(incident, failed, suspects);
    IsolationRecord started;
    try {
      started = isolations.begin(incident.id, chosen, strategy.word, actor);
    } catch (IsolationStore.Taken e) {
      throw new Refused(
          "an isolation of incident " + incident.id + ", or one on " + chosen + ", runs already",
          true);
    }
    audit.record(
        actor,
        "isolation.start",
        "incident/" + incident.id,
        AuditLog.Outcome.SUCCESS,
        null,
        "isolation "
            + started.id
            + " proves "
            + IsolationStore.text(suspects)
            + " on "
            + chosen
            + " ("
            + strategy.word
            + ")");
    advanceLater();
    return started;
  }

  /** Stops a running isolation; its proving rollout, if one runs, is aborted. */
  public synchronized boolean abort(long isolationId, String actor) {
    Optional<IsolationStepRecord> step = isolations.current(isolationId);
    if (!isolations.finish(isolationId, "ABORTED", "aborted by " + actor)) {
      return false;
    }
    step.ifPresent(
        s -> {
          isolations.conclude(
              s.id,
              Outcome.INCONCLUSIVE.name(),
              "the isolation was aborted by " + actor,
              List.of(),
              Optional.empty(),
              false,
              actor,
              Optional.empty(),
              "");
          if (s.rolloutId != null) {
            try {
              engine.command(s.rolloutId, new Observation.Abort(actor));
            } catch (Refused finished) {
              // the proving rollout had ended
            }
          }
        });
    audit.record(
        actor,
        "isolation.abort",
        "isolation/" + isolationId,
        AuditLog.Outcome.SUCCESS,
        null,
        "aborted");
    repin(Optional.empty(), "patchwave quarantine: isolation " + isolationId + " aborted");
    tellEnded(isolationId);
    return true;
  }

  /** Tells the listeners that isolation {@code id} ended, as it is saved. */
  private void tellEnded(long id) {
    IsolationRecord i = isolations.get(id).orElseThrow();
    IncidentRecord incident = quarantine.incident(i.incidentId).orElseThrow();
    String policy =
        rollouts.summary(incident.rolloutId).map(r -> r.state().policy().name()).orElse(null);
    List<String> kept =
        quarantine.entriesOf(i.incidentId).stream()
            .filter(e -> e.releasedAt == null)
            .map(e -> e.packageName + "=" + e.version)
            .toList();
    for (IsolationListener l : listeners) {
      try {
        l.ended(i.id, i.incidentId, policy, i.host, i.phase, i.detail, kept);
      } catch (RuntimeException e) {
        LOG.warnf(e, "isolation %d: a listener failed", id);
      }
    }
  }

  /**
   * One look at isolation {@code id}: judges the proof under way if its rollout has ended, and
   * starts the next proof if the isolation goes on. Serialised: one isolation thread.
   */
  synchronized void advance(long id) {
    IsolationRecord i = isolations.get(id).orElseThrow();
    if (!IsolationStore.RUNNING.equals(i.phase)) {
      return;
    }
    IncidentRecord incident = quarantine.incident(i.incidentId).orElseThrow();
    Optional<IsolationStepRecord> current = isolations.current(id);
    if (current.isPresent()) {
      IsolationStepRecord step = current.get();
      if (step.rolloutId == null && !adoptOrphan(i, step)) {
        startProof(i, incident, step);
        return;
      }
      RolloutState r = rollouts.load(step.rolloutId).orElseThrow().state();
      if (!r.phase().isTerminal()) {
        return;
      }
      List<PackageVersion> group = IsolationStore.versions(step.versions);
      conclude(i, step, group, CulpritSearch.judge(r, i.host, group));
      i = isolations.get(id).orElseThrow();
      if (!IsolationStore.RUNNING.equals(i.phase)) {
        return;
      }
    }
    List<PackageVersion> suspects = quarantine.suspectsOf(i.incidentId);
    if (suspects.isEmpty()) {
      if (isolations.finish(id, "CLEARED", "no suspect is left to prove")) {
        repin(Optional.of(i.host), "patchwave quarantine: isolation " + id + " ended");
        tellEnded(id);
      }
      return;
    }
    Strategy strategy = Strategy.of(i.strategy).orElse(Strategy.ONE_AT_A_TIME);
    List<PackageVersion> group =
        CulpritSearch.nextGroup(
            suspects,
            Set.copyOf(quarantine.implicatedOf(i.incidentId)),
            needsReboot(incident),
            strategy);
    Optional<IsolationStepRecord> step = isolations.addStep(id, group);
    if (step.isPresent()) {
      startProof(i, incident, step.get());
    }
  }

  /**
   * A proof whose rollout was created but not recorded (the controller stopped in between): the
   * rollout this isolation started for exactly these versions, that no other proof records, is it.
   */
  private boolean adoptOrphan(IsolationRecord i, IsolationStepRecord step) {
    Set<PackageVersion> group = new TreeSet<>(IsolationStore.versions(step.versions));
    Set<Long> recorded = new HashSet<>();
    isolations.steps(i.id).forEach(s -> recorded.add(s.rolloutId));
    for (long id : rollouts.startedBy(ACTOR_PREFIX + i.id)) {
      if (recorded.contains(id)) {
        continue;
      }
      RolloutState r = rollouts.load(id).orElseThrow().state();
      if (r.scope().proving().equals(group)) {
        if (!isolations.proving(step.id, id)) {
          return false; // the proof ended meanwhile
        }
        step.rolloutId = id;
        LOG.infof("isolation %d: proof %d is rollout %d", i.id, step.ordinal + 1, id);
        return true;
      }
    }
    return false;
  }

  private void startProof(IsolationRecord i, IncidentRecord incident, IsolationStepRecord step) {
    List<PackageVersion> group = IsolationStore.versions(step.versions);
    // the host's pins leave the group out from now on (the proof under way); the proving rollout
    // writes them again before it reads what the host is offered
    repin(Optional.of(i.host), "patchwave quarantine: isolation " + i.id + " proves " + group);
    String actor = ACTOR_PREFIX + i.id;
    String source = rollouts.policySource(incident.rolloutId).orElseThrow();
    try {
      RolloutState r =
          engine.startProving(
              incidentRollout(incident).policy(),
              source,
              i.host,
              new TreeSet<>(group),
              actor,
              "isolation "
                  + i.id
                  + " of incident "
                  + incident.id
                  + ", proof "
                  + (step.ordinal + 1));
      if (!isolations.proving(step.id, r.id())) {
        // aborted while the rollout was created (from another controller): not wanted
        LOG.infof("isolation %d ended meanwhile: aborting its proving rollout %d", i.id, r.id());
        try {
          engine.command(r.id(), new Observation.Abort(actor));
        } catch (Refused ended) {
          // it had ended already
        }
        return;
      }
      LOG.infof("isolation %d: rollout %d proves %s on %s", i.id, r.id(), group, i.host);
    } catch (Refused e) {
      conclude(
          i,
          step,
          group,
          new Judgement(
              Outcome.INCONCLUSIVE, "the proving rollout could not start: " + e.getMessage()));
    }
  }

  /** Records a proof's judgement and what follows from it, in one transaction; audits it. */
  private void conclude(
      IsolationRecord i, IsolationStepRecord step, List<PackageVersion> group, Judgement j) {
    List<PackageVersion> rest = new java.util.ArrayList<>(quarantine.suspectsOf(i.incidentId));
    rest.removeAll(group);
    String actor = ACTOR_PREFIX + i.id;
    Optional<String> verdict = Optional.empty();
    boolean release = false;
    Optional<String> end;
    String endDetail;
    switch (j.outcome()) {
      case INNOCENT -> {
        verdict = Optional.of(QuarantineStore.INNOCENT);
        release = true;
        end = rest.isEmpty() ? Optional.of("CLEARED") : Optional.empty();
        endDetail = "every suspect was proven innocent on " + i.host;
      }
      case GUILTY -> {
        if (group.size() == 1) {
          verdict = Optional.of(QuarantineStore.CULPRIT);
          end = Optional.of("ISOLATED");
          endDetail =
              "culprit: "
                  + group.get(0).pinned()
                  + (rest.isEmpty()
                      ? ""
                      : "; not proven, still quarantined: "
                          + IsolationStore.text(rest)
                          + " (isolate again on another fresh host to prove them)");
        } else {
          verdict = Optional.of(QuarantineStore.IMPLICATED);
          end = Optional.of("NARROWED");
          endDetail =
              "the culprit is one of "
                  + IsolationStore.text(group)
                  + " (implicated); isolate again on another fresh host: they are proven first";
        }
      }
      default -> {
        end = Optional.of("INCONCLUSIVE");
        endDetail = j.detail();
      }
    }
    if (!isolations.conclude(
        step.id, j.outcome().name(), j.detail(), group, verdict, release, actor, end, endDetail)) {
      return;
    }
    audit.record(
        actor,
        switch (j.outcome()) {
          case INNOCENT -> "quarantine.release";
          case GUILTY -> "isolation.guilty";
          default -> "isolation.inconclusive";
        },
        IsolationStore.text(group),
        AuditLog.Outcome.SUCCESS,
        null,
        j.detail());
    end.ifPresent(
        p ->
            audit.record(
                actor,
                "isolation.end",
                "incident/" + i.incidentId,
                AuditLog.Outcome.SUCCESS,
                null,
                p + ": " + endDetail));
    LOG.infof("isolation %d: %s %s: %s", i.id, group, j.outcome(), j.detail());
    String why = "patchwave quarantine: isolation " + i.id + " found " + group + " " + j.outcome();
    repin(release ? Optional.empty() : Optional.of(i.host), why);
    if (end.isPresent()) {
      tellEnded(i.id);
    }
  }

  /** Rewrites the pins: every host's after a release, else only the isolation host's. */
  private void repin(Optional<String> only, String explanation) {
    List<String> missed = steps.writePins(explanation, only);
    if (!missed.isEmpty()) {
      LOG.warnf("%s: pins not written on %s (the next scan rewrites them)", explanation, missed);
    }
  }

  /** The state of the rollout the incident's host failed in. */
  private RolloutState incidentRollout(IncidentRecord incident) {
    return rollouts
        .load(incident.rolloutId)
        .orElseThrow(() -> new Refused("rollout " + incident.rolloutId + " is gone", false))
        .state();
  }

  /** A reboot-requiring suspect: by its name, or naming the kernel the failed host was to boot. */
  private Predicate<PackageVersion> needsReboot(IncidentRecord incident) {
    HostState failedHost = incidentRollout(incident).hosts().get(incident.host);
    Optional<String> kernel = Optional.ofNullable(failedHost).flatMap(HostState::expectedKernel);
    return v -> CulpritSearch.needsReboot(v, kernel);
  }

  /**
   * A fresh host for the proofs: selected by the incident's policy, not the failed host nor in any
   * of its redundancy groups, claimed by no rollout, not proving for another isolation, and without
   * any suspect installed by the incident's rollout; the most like the failed host (labels in
   * common) first, then by name.
   */
  private String choose(
      IncidentRecord incident, RolloutState failed, List<PackageVersion> suspects) {
    List<Host> all = inventory.hosts();
    Optional<Host> failedHost =
        all.stream().filter(h -> h.name().equals(incident.host)).findFirst();
    Map<String, String> like = failedHost.<Map<String, String>>map(Host::labels).orElse(Map.of());
    Set<String> busy = new HashSet<>(isolations.busyHosts());
    List<Host> fit =
        all.stream()
            .filter(h -> why(incident, failed, suspects, h, failedHost).isEmpty())
            .filter(h -> !busy.contains(h.name()))
            .toList();
    Map<String, Long> owned = rollouts.owners(fit.stream().map(Host::name).toList());
    return fit.stream()
        .filter(h -> !owned.containsKey(h.name()))
        .min(
            Comparator.comparingLong(
                    (Host h) ->
                        -h.labels().entrySet().stream()
                            .filter(e -> e.getValue().equals(like.get(e.getKey())))
                            .count())
                .thenComparing(Host::name))
        .map(Host::name)
        .orElseThrow(
            () ->
                new Refused(
                    "no fresh host for incident "
                        + incident.id
                        + ": every host policy '"
                        + failed.policy().name()
                        + "' selects is the failed host, unlike it (labels "
                        + String.join(", ", likeKeys(failed.policy()))
                        + "), in one of its redundancy groups, has a suspect installed, or is"
                        + " claimed by a rollout or an isolation",
                    true));
  }

  /** {@code name} if it qualifies as a fresh host for the incident, else refused with why. */
  private String check(
      IncidentRecord incident, RolloutState failed, List<PackageVersion> suspects, String name) {
    List<Host> all = inventory.hosts();
    Host h =
        all.stream()
            .filter(x -> x.name().equals(name))
            .findFirst()
            .orElseThrow(() -> new Refused("host " + name + " is not in the inventory", false));
    Optional<Host> failedHost =
        all.stream().filter(x -> x.name().equals(incident.host)).findFirst();
    Optional<String> why = why(incident, failed, suspects, h, failedHost);
    if (why.isPresent()) {
      throw new Refused("host " + name + " " + why.get(), false);
    }
    return name;
  }

  /**
   * The labels a proving host must share with the failed host: the policy's canary {@code coverBy}
   * keys (the policy says hosts that differ there need a canary of their own) and the scanned facts
   * that decide how a package behaves (OS, release, hardware, virtualization).
   */
  static List<String> likeKeys(RolloutPolicy policy) {
    Set<String> keys = new java.util.LinkedHashSet<>(policy.spec().canary().coverBy());
    keys.addAll(
        List.of(
            dev.patchwave.patch.HostScan.OS_ID,
            dev.patchwave.patch.HostScan.OS_RELEASE,
            dev.patchwave.patch.HostScan.HARDWARE,
            dev.patchwave.patch.HostScan.VIRTUALIZATION));
    return List.copyOf(keys);
  }

  /** Why {@code h} is not a fresh host for the incident; empty if it is one. */
  static Optional<String> why(
      IncidentRecord incident,
      RolloutState failed,
      List<PackageVersion> suspects,
      Host h,
      Optional<Host> failedHost) {
    RolloutPolicy policy = failed.policy();
    if (h.name().equals(incident.host)) {
      return Optional.of("is the host that failed");
    }
    if (!policy.spec().selector().matches(h.labels())) {
      return Optional.of("is not selected by policy '" + policy.name() + "'");
    }
    List<String> groupBy = policy.spec().disruption().groupBy();
    if (failedHost.isPresent()) {
      List<String> shared = new java.util.ArrayList<>(h.groups(groupBy));
      shared.retainAll(failedHost.get().groups(groupBy));
      if (!shared.isEmpty()) {
        return Optional.of(
            "shares redundancy group "
                + shared.get(0)
                + " with "
                + incident.host
                + ", which failed");
      }
    }
    if (failedHost.isPresent()) {
      Optional<String> unlike =
          CulpritSearch.unlike(failedHost.get().labels(), h.labels(), likeKeys(policy));
      if (unlike.isPresent()) {
        return Optional.of(
            "is not like the failed host: "
                + unlike.get()
                + " (a proof there says nothing about the failure)");
      }
    }
    HostState there = failed.hosts().get(h.name());
    if (there != null && there.installed().stream().anyMatch(suspects::contains)) {
      return Optional.of("installed a suspect in rollout " + failed.id() + " already");
    }
    return Optional.empty();
  }
}
