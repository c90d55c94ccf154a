package dev.patchwave.engine;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.persistence.CommandInbox;
import dev.patchwave.persistence.PolicyStore;
import dev.patchwave.persistence.QuarantineStore;
import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.persistence.RolloutStore.Fence;
import dev.patchwave.plan.Plan;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.Guardrails;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.Action;
import dev.patchwave.rollout.Decision;
import dev.patchwave.rollout.Event;
import dev.patchwave.rollout.FleetLoad;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.Observations;
import dev.patchwave.rollout.Reason;
import dev.patchwave.rollout.RolloutMachine;
import dev.patchwave.rollout.RolloutPhase;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.schedule.WakeUps;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs rollouts.
 *
 * <ol>
 *   <li>Take (or renew) the rollout's lease; without it, do nothing: another instance acts.
 *   <li>Load the state, drain the observations that arrived, and call {@link RolloutMachine#decide}
 *       with the hosts whose steps are still running here.
 *   <li>Save the new state and its events, fenced by the lease token. Only after the save succeeds
 *       are the actions carried out, on worker threads; each outcome is queued as an observation
 *       and triggers the next decision.
 *   <li>Schedule the next wake-up in Quartz.
 * </ol>
 *
 * <p>Decisions of one rollout never overlap (one lock per rollout). At start every unfinished
 * rollout is decided again; host steps that were running when the controller stopped are issued
 * again, which is safe because every step is idempotent.
 */
@ApplicationScoped
public class RolloutEngine {

  private static final Logger LOG = Logger.getLogger(RolloutEngine.class);

  private final RolloutStore store;
  private final PolicyStore policies;
  private final QuarantineStore quarantine;
  private final HostSource inventory;
  private final HostSteps steps;
  private final WakeUps wakeUps;
  private final Clock clock;
  private final String instanceId;
  private final Duration leaseTtl;

  private final ExecutorService workers;
  private final ExecutorService surveys;
  private final Guardrails guardrails;
  private final ExecutorService deciders =
      Executors.newFixedThreadPool(2, daemon("patchwave-decide"));
  private final ScheduledExecutorService renewals =
      Executors.newSingleThreadScheduledExecutor(daemon("patchwave-lease"));
  private final Map<Long, Queue<Observation>> inbox = new ConcurrentHashMap<>();
  private final Map<Long, Set<String>> busy = new ConcurrentHashMap<>();
  private final Map<Long, AtomicBoolean> freezing = new ConcurrentHashMap<>();
  private final Map<Long, AtomicBoolean> queued = new ConcurrentHashMap<>();
  private final Map<Long, Object> locks = new ConcurrentHashMap<>();
  private final Map<Long, Fence> fences = new ConcurrentHashMap<>();

  /** Decisions of this instance wait here for the fleet lock, not in the database. */
  private final java.util.concurrent.locks.ReentrantLock fleetLock =
      new java.util.concurrent.locks.ReentrantLock(true);

  private volatile boolean stopping;

  /** Whether this instance acts (always, unless leader election is on and another one leads). */
  private volatile boolean active;

  private final boolean leaderElection;

  private final CommandInbox commands;
  private final org.quartz.Scheduler quartz;
  private final Instance<RolloutListener> listeners;

  public RolloutEngine(
      RolloutStore store,
      PolicyStore policies,
      QuarantineStore quarantine,
      HostSource inventory,
      HostSteps steps,
      WakeUps wakeUps,
      Clock clock,
      @ConfigProperty(name = "patchwave.instance-id") Optional<String> instanceId,
      @ConfigProperty(name = "patchwave.lease.ttl", defaultValue = "30s") Duration leaseTtl,
      @ConfigProperty(name = "patchwave.workers", defaultValue = "16") int workers,
      @ConfigProperty(name = "patchwave.leader-election.enabled", defaultValue = "false")
          boolean leaderElection,
      Instance<RolloutListener> listeners,
      CommandInbox commands,
      org.quartz.Scheduler quartz,
      Guardrails guardrails) {
    this.listeners = listeners;
    this.commands = commands;
    this.quartz = quartz;
    this.active = !leaderElection;
    this.leaderElection = leaderElection;
    this.store = store;
    this.policies = policies;
    this.quarantine = quarantine;
    this.inventory = inventory;
    this.steps = steps;
    this.wakeUps = wakeUps;
    this.clock = clock;
    this.instanceId = instanceId.orElseGet(RolloutEngine::defaultInstanceId);
    this.leaseTtl = leaseTtl;
    this.workers = Executors.newFixedThreadPool(workers, daemon("patchwave-step"));
    this.surveys = Executors.newFixedThreadPool(workers, daemon("patchwave-survey"));
    this.guardrails = guardrails;
  }

  void onStart(@Observes StartupEvent event) {
    long period = Math.max(1, leaseTtl.toMillis() / 3);
    renewals.scheduleAtFixedRate(this::renewLeases, period, period, TimeUnit.MILLISECONDS);
    // commands a follower took: the leader looks for them every second, so a command does not
    // wait for the scheduler's next poll of the shared job store
    if (leaderElection) {
      renewals.scheduleWithFixedDelay(this::pickUpCommands, 1, 1, TimeUnit.SECONDS);
    }
    if (active) {
      for (long id : store.active()) {
        reconcileLater(id);
      }
    } else {
      standbyScheduler();
      LOG.info("engine: waiting to lead (leader election)");
    }
  }

  /** This instance now leads: wake-ups fire here, and every unfinished rollout is decided again. */
  public synchronized void lead() {
    active = true;
    try {
      quartz.start();
    } catch (org.quartz.SchedulerException e) {
      LOG.errorf(e, "cannot start the wake-up scheduler");
    }
    List<Long> ids = store.active();
    LOG.infof("engine: leading; resuming %d unfinished rollouts", ids.size());
    for (long id : ids) {
      reconcileLater(id);
    }
  }

  /**
   * Another instance leads: act no more, and hand the rollouts' leases back so that it can take
   * them over at once. Host steps in flight find their fence gone before their next change.
   */
  public synchronized void follow() {
    active = false;
    standbyScheduler();
    for (Fence f : List.copyOf(fences.values())) {
      try {
        store.release(f);
      } catch (RuntimeException e) {
        LOG.debugf("lease of rollout %d not released: %s", f.rolloutId(), e.getMessage());
      }
    }
    fences.clear();
    LOG.info("engine: following; not acting");
  }

  public boolean isActive() {
    return active;
  }

  private void pickUpCommands() {
    if (!active || stopping) {
      return;
    }
    try {
      commands.rolloutsWithPending().forEach(this::reconcileLater);
    } catch (RuntimeException e) {
      LOG.debugf("cannot look for commands: %s", e.getMessage());
    }
  }

  private void standbyScheduler() {
    try {
      quartz.standby();
    } catch (org.quartz.SchedulerException e) {
      LOG.errorf(e, "cannot put the wake-up scheduler on standby");
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    stopping = true;
    renewals.shutdownNow();
    workers.shutdownNow();
    surveys.shutdownNow();
    deciders.shutdownNow();
    fences
        .values()
        .forEach(
            f -> {
              try {
                store.release(f);
              } catch (RuntimeException e) {
                LOG.debugf("lease of rollout %d not released: %s", f.rolloutId(), e.getMessage());
              }
            });
  }

  public String instanceId() {
    return instanceId;
  }

  /**
   * Thrown when a rollout cannot start (no such policy, one already running, hosts owned by another
   * rollout) or a command has no effect (the rollout is not in a phase it applies to).
   */
  public static final class Refused extends RuntimeException {
    public final boolean conflict;

    /** The guardrails the policy breaks, when that is why. */
    public final List<Guardrails.Violation> violations;

    Refused(String message, boolean conflict) {
      this(message, conflict, List.of());
    }

    Refused(String message, boolean conflict, List<Guardrails.Violation> violations) {
      super(message);
      this.conflict = conflict;
      this.violations = List.copyOf(violations);
    }
  }

  /** What to do with selected hosts that another unfinished rollout owns. */
  public enum OnConflict {
    /** Refuse to start, naming the owners. */
    FAIL,
    /** Leave the owned hosts out; the plan says so. */
    SKIP
  }

  /**
   * Starts a rollout of {@code policyName}: claims its hosts and plans it now, then freezes the
   * patch set.
   *
   * @throws Refused if the policy does not exist (not a conflict), already has an unfinished
   *     rollout, or (with {@link OnConflict#FAIL}) selects hosts another rollout owns
   */
  public RolloutState start(String policyName, String actor, OnConflict onConflict) {
    PolicyStore.Entry entry =
        policies
            .get(policyName)
            .orElseThrow(() -> new Refused("no policy named '" + policyName + "'", false));
    RolloutPolicy policy;
    try {
      policy = PolicyReader.read(entry.source());
    } catch (DocumentException e) {
      throw new IllegalStateException("stored policy no longer validates", e);
    }
    // a race with another start loses on the database's constraints; with SKIP, try again with
    // the hosts the winner took left out
    for (int attempt = 0; ; attempt++) {
      alreadyRunning(policyName);
      List<dev.patchwave.inventory.Host> hosts = inventory.hosts();
      List<String> selected =
          hosts.stream()
              .filter(h -> policy.spec().selector().matches(h.labels()))
              .map(dev.patchwave.inventory.Host::name)
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
      List<dev.patchwave.inventory.Host> free =
          hosts.stream().filter(h -> !owned.containsKey(h.name())).toList();
      Plan plan = WavePlanner.plan(policy, free, clock.instant());
      if (!owned.isEmpty()) {
        List<String> notes = new ArrayList<>(plan.notes());
        notes.add("left out: " + ownedBy(owned));
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
      RolloutState draft = RolloutState.start(0, policy, plan, actor, clock.instant());
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
              + (owned.isEmpty() ? "" : "; " + plan.notes().get(plan.notes().size() - 1));
      try {
        RolloutState created =
            store.create(
                draft,
                entry.source(),
                List.of(
                    new Event(
                        clock.instant(),
                        Reason.STARTED,
                        Optional.empty(),
                        Optional.empty(),
                        actor,
                        text)));
        return begin(created);
      } catch (RolloutStore.Taken e) {
        alreadyRunning(policyName);
        if (onConflict == OnConflict.FAIL || attempt >= 2) {
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

  private void alreadyRunning(String policyName) {
    Optional<Long> running = store.runningRolloutOf(policyName);
    if (running.isPresent()) {
      throw new Refused(
          "a rollout of policy '" + policyName + "' is already running: rollout " + running.get(),
          true);
    }
  }

  private static String ownedBy(Map<String, Long> owned) {
    Map<Long, List<String>> byRollout = new java.util.TreeMap<>();
    owned.forEach((h, r) -> byRollout.computeIfAbsent(r, k -> new ArrayList<>()).add(h));
    List<String> parts = new ArrayList<>();
    byRollout.forEach(
        (r, hs) ->
            parts.add(
                "rollout "
                    + r
                    + " owns "
                    + String.join(", ", hs.stream().limit(20).toList())
                    + (hs.size() > 20 ? " and " + (hs.size() - 20) + " more" : "")));
    return owned.size() + " selected hosts are in unfinished rollouts: " + String.join("; ", parts);
  }

  private RolloutState begin(RolloutState created) {
    tell(l -> l.created(created));
    if (active) {
      reconcile(created.id());
    } else {
      wakeUps.schedule(created.id(), Optional.of(clock.instant())); // the leader takes it from here
    }
    return store.load(created.id()).orElseThrow().state();
  }

  /**
   * Hands a person's command to the rollout and decides at once, atomically with the check that it
   * applies: of any number of concurrent commands, those the rollout's phase no longer allows are
   * refused. Returns the new state.
   *
   * @throws Refused (a conflict) if the command had no effect, with why
   */
  public RolloutState command(long id, Observation command) {
    if (active) {
      Optional<Decision> d = reconcile(id, Optional.of(command));
      if (d.isPresent()) {
        Optional<String> why = d.get().refusalOf(command);
        if (why.isPresent()) {
          throw new Refused(why.get(), true);
        }
        return d.get().state();
      }
      // another instance holds the rollout's lease: hand the command over through the inbox
    }
    // not the leader: leave the command for it, wake it, and wait a little for it to be applied
    long stored = commands.add(id, command);
    wakeUps.schedule(id, Optional.of(clock.instant()));
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Optional<CommandInbox.Outcome> outcome = Optional.empty();
    while (System.nanoTime() < until && (outcome = commands.outcome(stored)).isEmpty()) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (outcome.isPresent() && outcome.get().refusal().isPresent()) {
      throw new Refused(outcome.get().refusal().get(), true);
    }
    return store.load(id).orElseThrow().state();
  }

  /** Decides for rollout {@code id} soon, on a decider thread; repeated requests coalesce. */
  public void reconcileLater(long id) {
    if (stopping) {
      return;
    }
    AtomicBoolean flag = queued.computeIfAbsent(id, k -> new AtomicBoolean());
    if (flag.compareAndSet(false, true)) {
      deciders.submit(
          () -> {
            flag.set(false);
            try {
              reconcile(id);
            } catch (RuntimeException e) {
              LOG.errorf(e, "deciding rollout %d failed", id);
            }
          });
    }
  }

  /** One decision for rollout {@code id} (steps 1-4 of the class comment). */
  public void reconcile(long id) {
    reconcile(id, Optional.empty());
  }

  /** One decision, with a person's command if given; empty if this instance may not decide. */
  private Optional<Decision> reconcile(long id, Optional<Observation> command) {
    if (!active) {
      return Optional
          .empty(); // the leader decides; a wake-up that fired here before standby is seen by it
      // too
    }
    synchronized (locks.computeIfAbsent(id, k -> new Object())) {
      Optional<Fence> fence = store.acquire(id, instanceId, leaseTtl);
      if (fence.isEmpty()) {
        // Another instance holds the lease. If it died, the lease runs out: look again soon (a
        // fifth of the lease, so a takeover waits for the expiry, not for a whole lease more).
        fences.remove(id);
        if (!stopping) {
          long retry = Math.max(200, leaseTtl.toMillis() / 5);
          renewals.schedule(() -> reconcileLater(id), retry, TimeUnit.MILLISECONDS);
        }
        return Optional.empty();
      }
      fences.put(id, fence.get());
      List<Observation> seen = drain(id);
      List<CommandInbox.Pending> stored = commands.pending(id);
      stored.forEach(c -> seen.add(c.observation()));
      command.ifPresent(seen::add);
      Set<String> running =
          Set.copyOf(busy.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()));
      boolean isFreezing = freezing.computeIfAbsent(id, k -> new AtomicBoolean()).get();
      RolloutState[] before = new RolloutState[1];
      Decision d;
      // counted and saved under the fleet lock: no other rollout starts a host of a shared group
      // between this decision's count and its save
      fleetLock.lock();
      try {
        d =
            store.underFleetLock(
                () -> {
                  RolloutStore.Stored loaded = store.load(id).orElseThrow();
                  before[0] = loaded.state();
                  FleetLoad fleet = fleetLoad(loaded.state());
                  Decision decided =
                      RolloutMachine.decide(
                          loaded.state(),
                          new Observations(seen, running, isFreezing, fleet),
                          clock.instant());
                  store.save(
                      decided.state(),
                      decided.events(),
                      fence.get(),
                      loaded.version(),
                      released(loaded.state(), decided.state()));
                  return decided;
                });
      } catch (RolloutStore.LostLease e) {
        LOG.warnf("rollout %d: %s; not acting", id, e.getMessage());
        fences.remove(id);
        return Optional.empty();
      } finally {
        fleetLock.unlock();
      }
      Map<Long, Optional<String>> outcomes = new java.util.HashMap<>();
      stored.forEach(c -> outcomes.put(c.id(), d.refusalOf(c.observation())));
      commands.applied(outcomes);
      tell(l -> l.saved(before[0], d));
      for (Action a : d.actions()) {
        dispatch(d.state(), a, fence.get());
      }
      wakeUps.schedule(id, d.wakeUp());
      if (d.state().phase().isTerminal()) {
        fences.remove(id);
      }
      if (inFlight(d.state()) < inFlight(before[0]) || d.state().phase().isTerminal()) {
        // hosts were let go: other rollouts waiting on a shared group may go on
        store.active().stream().filter(other -> other != id).forEach(this::reconcileLater);
      }
      return Optional.of(d);
    }
  }

  private static long inFlight(RolloutState s) {
    return s.hosts().values().stream().filter(h -> h.phase().isInFlight()).count();
  }

  /** Claims no longer needed after this decision. */
  private static Set<String> released(RolloutState before, RolloutState after) {
    Set<String> now = new java.util.HashSet<>(after.releasableHosts());
    now.removeAll(before.releasableHosts());
    return now;
  }

  /** What the other unfinished rollouts hold; nothing to count when no other one runs. */
  private FleetLoad fleetLoad(RolloutState self) {
    if (self.phase().isTerminal()) {
      return FleetLoad.NONE;
    }
    List<RolloutState> others = new ArrayList<>();
    for (long other : store.active()) {
      if (other != self.id()) {
        store.load(other).ifPresent(s -> others.add(s.state()));
      }
    }
    List<dev.patchwave.inventory.Host> hosts = inventory.hosts();
    Map<String, dev.patchwave.inventory.Host> byName = new java.util.HashMap<>();
    hosts.forEach(h -> byName.put(h.name(), h));
    return FleetLoads.of(self, others, byName, guardrails.fleetLimit(hosts.size()));
  }

  private void dispatch(RolloutState state, Action action, Fence fence) {
    long id = state.id();
    BooleanSupplier mayAct = () -> !stopping && store.isValid(fence) && stillWanted(id);
    if (action instanceof Action.FreezePatchSet f) {
      freezing.get(id).set(true);
      run(
          id,
          null,
          () -> {
            Map<String, dev.patchwave.inventory.Host> byName = new java.util.HashMap<>();
            inventory.hosts().forEach(h -> byName.put(h.name(), h));
            return PatchSetFreeze.freeze(
                state, f.hosts(), h -> steps.needs(state, h), byName, surveys, clock.instant());
          },
          () -> freezing.get(id).set(false));
    } else if (action instanceof Action.PrepareHost p) {
      run(id, p.host(), () -> steps.prepare(state, p.host(), mayAct), null);
    } else if (action instanceof Action.PatchHost p) {
      run(id, p.host(), () -> steps.patch(state, p.host(), p.patchSet(), mayAct), null);
    } else if (action instanceof Action.RebootHost r) {
      run(
          id,
          r.host(),
          () -> steps.reboot(state, r.host(), r.bootIdBefore(), r.since(), mayAct),
          null);
    } else if (action instanceof Action.CheckHealth c) {
      run(id, c.host(), () -> steps.health(state, c.host()), null);
    } else if (action instanceof Action.Uncordon u) {
      workers.submit(
          () -> {
            try {
              steps.uncordon(state, u.host());
            } catch (RuntimeException e) {
              LOG.warnf("rollout %d: uncordon of %s failed: %s", id, u.host(), e.getMessage());
            }
          });
    } else if (action instanceof Action.Quarantine q) {
      workers.submit(() -> quarantine(id, q));
    } else if (action instanceof Action.Notify n) {
      LOG.infof("rollout %d: %s %s", id, n.reason().text, n.detail());
    }
  }

  /** The rollout still wants host steps: it has not halted or been aborted meanwhile. */
  private boolean stillWanted(long id) {
    return store
        .load(id)
        .map(s -> s.state().phase())
        .filter(p -> p == RolloutPhase.HALTED || p == RolloutPhase.ABORTED)
        .isEmpty();
  }

  private void run(
      long id, String host, java.util.function.Supplier<Observation> step, Runnable after) {
    if (host != null) {
      busy.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(host);
    }
    workers.submit(
        () -> {
          try {
            Observation o = step.get();
            tell(l -> l.observed(id, o));
            enqueue(id, o);
          } catch (HostSteps.Abandoned e) {
            LOG.infof("rollout %d: %s", id, e.getMessage());
          } catch (RuntimeException e) {
            LOG.errorf(e, "rollout %d: step on %s failed unexpectedly", id, host);
            if (host != null) {
              enqueue(
                  id,
                  new Observation.HostStepFailed(
                      host, Reason.INSTALL_FAILED, "internal error: " + e.getMessage(), false));
            } else {
              // the freeze: pause with the reason instead of issuing it again and again
              enqueue(id, new Observation.FreezeFailed("internal error: " + e));
            }
          } finally {
            if (host != null) {
              busy.get(id).remove(host);
            }
            if (after != null) {
              after.run();
            }
            reconcileLater(id);
          }
        });
  }

  private void quarantine(long id, Action.Quarantine q) {
    for (PackageVersion v : q.versions()) {
      quarantine.add(v, id, q.host(), q.detail(), "controller");
    }
    List<PackageVersion> active = quarantine.active();
    List<String> missed =
        steps.writePins(active, "patchwave quarantine: rollout " + id + ", failed on " + q.host());
    LOG.infof(
        "rollout %d: quarantined %s; pins written, %d hosts missed%s",
        id, q.versions(), missed.size(), missed.isEmpty() ? "" : " " + missed);
  }

  private void tell(java.util.function.Consumer<RolloutListener> call) {
    for (RolloutListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        LOG.warnf(e, "a rollout listener failed");
      }
    }
  }

  private void enqueue(long id, Observation o) {
    inbox.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>()).add(o);
  }

  private List<Observation> drain(long id) {
    Queue<Observation> q = inbox.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>());
    List<Observation> out = new ArrayList<>();
    Observation o;
    while ((o = q.poll()) != null) {
      out.add(o);
    }
    return out;
  }

  private void renewLeases() {
    for (Fence f : List.copyOf(fences.values())) {
      try {
        Optional<Fence> renewed = store.acquire(f.rolloutId(), instanceId, leaseTtl);
        if (renewed.isEmpty() || renewed.get().token() != f.token()) {
          fences.remove(f.rolloutId());
        }
      } catch (RuntimeException e) {
        LOG.warnf("cannot renew the lease of rollout %d: %s", f.rolloutId(), e.getMessage());
      }
    }
  }

  private static String defaultInstanceId() {
    String host = System.getenv().getOrDefault("HOSTNAME", "patchwave");
    return host + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
