package dev.patchwave.engine;

import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.persistence.CommandInbox;
import dev.patchwave.persistence.PolicyStore;
import dev.patchwave.persistence.QuarantineStore;
import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.persistence.RolloutStore.Fence;
import dev.patchwave.persistence.ScanStore;
import dev.patchwave.policy.Guardrails;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.Action;
import dev.patchwave.rollout.Decision;
import dev.patchwave.rollout.FleetLoad;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.Observations;
import dev.patchwave.rollout.RolloutMachine;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs rollouts: one decision at a time per rollout.
 *
 * <ol>
 *   <li>Take (or renew) the rollout's lease ({@link LeaseKeeper}); without it, do nothing: another
 *       instance acts.
 *   <li>Drain the observations that arrived ({@link RunQueue}) and the commands a follower stored.
 *   <li>Under the fleet lock, in one transaction: load the state and what the other unfinished
 *       rollouts hold ({@link FleetLoads}), call {@link RolloutMachine#decide}, and save the new
 *       state and its events, fenced by the lease token, releasing the claims of hosts it is done
 *       with.
 *   <li>Only after the save succeeds are the actions carried out ({@link StepRunner}); each outcome
 *       is queued as an observation and asks for the next decision.
 *   <li>Schedule the next wake-up in Quartz; wake the other rollouts when hosts were let go.
 * </ol>
 *
 * <p>Starting a rollout is {@link RolloutStarts}'s job. At start every unfinished rollout is
 * decided again; host steps that were running when the controller stopped are issued again, which
 * is safe because every step is idempotent. With leader election only the leader acts ({@link
 * #lead}, {@link #follow}, called by {@code app.Leadership}).
 */
@ApplicationScoped
public class RolloutEngine implements WakeUps.Sleeper {

  private static final Logger LOG = Logger.getLogger(RolloutEngine.class);

  /**
   * Thrown when a rollout cannot start (no such policy, one already running, hosts owned by another
   * rollout, a guardrail) or a command has no effect (the rollout is not in a phase it applies to).
   */
  public static final class Refused extends RuntimeException {
    public final boolean conflict;

    /** The guardrails the policy breaks, when that is why. */
    public final List<Guardrails.Violation> violations;

    /** Where the policy's checks leave the check catalogue, when that is why. */
    public final List<dev.patchwave.policy.CheckCatalogue.Refusal> checks;

    /** When the policy had its hour's share of starts: how long until the next may be tried. */
    public final Optional<Duration> retryAfter;

    Refused(String message, boolean conflict) {
      this(message, conflict, List.of());
    }

    Refused(String message, boolean conflict, List<Guardrails.Violation> violations) {
      this(message, conflict, violations, List.of());
    }

    Refused(
        String message,
        boolean conflict,
        List<Guardrails.Violation> violations,
        List<dev.patchwave.policy.CheckCatalogue.Refusal> checks) {
      super(message);
      this.conflict = conflict;
      this.violations = List.copyOf(violations);
      this.checks = List.copyOf(checks);
      this.retryAfter = Optional.empty();
    }

    /** The policy had its share of starts; the next may be tried in {@code retryAfter}. */
    Refused(String message, Duration retryAfter) {
      super(message);
      this.conflict = false;
      this.violations = List.of();
      this.checks = List.of();
      this.retryAfter = Optional.of(retryAfter);
    }
  }

  /** What to do with selected hosts that another unfinished rollout owns. */
  public enum OnConflict {
    /** Refuse to start, naming the owners. */
    FAIL,
    /** Leave the owned hosts out; the plan says so. */
    SKIP
  }

  private final RolloutStore store;
  private final ScanStore scans;
  private final HostSource inventory;
  private final WakeUps wakeUps;
  private final Clock clock;
  private final Guardrails guardrails;
  private final Duration bootPoll;
  private final CommandInbox commands;
  private final org.quartz.Scheduler quartz;
  private final Instance<RolloutListener> listeners;
  private final boolean leaderElection;

  /**
   * How many host steps of one rollout may be under way or queued: a decision starts no more hosts
   * than the workers can take up soon (two per worker). Starting more only makes each started host
   * wait longer between its steps (a drained node idles, its SSH connection expires), while the
   * fleet sees no more progress: the steps run {@code workers} at a time whatever is queued.
   */
  private final int stepQueue;

  private final LeaseKeeper leases;
  private final RunQueue runs;
  private final StepRunner steps;
  private final RolloutStarts starts;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(daemon("patchwave-lease"));

  /**
   * The state each unfinished rollout had when this instance last saved or read it, with its
   * version: a decision reads the database again only when someone else saved since.
   */
  private final Map<Long, RolloutStore.Stored> saved =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Rollouts whose inbox was seen to hold commands another instance stored. */
  private final Set<Long> inboxWaiting = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** The wake-up this instance last scheduled for each rollout (an incremental decision's seed). */
  private final Map<Long, java.time.Instant> scheduled =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Decisions of this instance wait here for the fleet lock, not in the database. */
  private final ReentrantLock fleetLock = new ReentrantLock(true);

  private volatile boolean stopping;

  /** Whether this instance acts (always, unless leader election is on and another one leads). */
  private volatile boolean active;

  public RolloutEngine(
      RolloutStore store,
      PolicyStore policies,
      QuarantineStore quarantine,
      HostSource inventory,
      HostSteps hostSteps,
      WakeUps wakeUps,
      Clock clock,
      @ConfigProperty(name = "patchwave.instance-id") Optional<String> instanceId,
      @ConfigProperty(name = "patchwave.lease.ttl", defaultValue = "30s") Duration leaseTtl,
      @ConfigProperty(name = "patchwave.workers", defaultValue = "16") int workers,
      @ConfigProperty(name = "patchwave.check-workers", defaultValue = "8") int checkWorkers,
      @ConfigProperty(name = "patchwave.reboot.poll-interval", defaultValue = "2s")
          Duration bootPoll,
      @ConfigProperty(name = "patchwave.leader-election.enabled", defaultValue = "false")
          boolean leaderElection,
      Instance<RolloutListener> listeners,
      CommandInbox commands,
      org.quartz.Scheduler quartz,
      Guardrails guardrails,
      dev.patchwave.policy.CheckCatalogue checks,
      @ConfigProperty(name = "patchwave.rollouts.max-starts-per-hour", defaultValue = "20")
          int maxStartsPerHour,
      ScanStore scans) {
    this.store = store;
    this.scans = scans;
    this.inventory = inventory;
    this.wakeUps = wakeUps;
    this.clock = clock;
    this.guardrails = guardrails;
    this.bootPoll = bootPoll;
    this.commands = commands;
    this.quartz = quartz;
    this.listeners = listeners;
    this.leaderElection = leaderElection;
    this.active = !leaderElection;
    this.stepQueue = 2 * workers;
    this.leases =
        new LeaseKeeper(store, instanceId.orElseGet(RolloutEngine::defaultInstanceId), leaseTtl);
    this.runs =
        new RunQueue(Executors.newFixedThreadPool(2, daemon("patchwave-decide")), this::reconcile);
    this.steps =
        new StepRunner(
            hostSteps,
            store,
            quarantine,
            inventory,
            clock,
            runs,
            this::tell,
            () -> stopping,
            StepRunner.rankedPool(workers, daemon("patchwave-step")),
            Executors.newFixedThreadPool(checkWorkers, daemon("patchwave-check")),
            Executors.newFixedThreadPool(workers, daemon("patchwave-survey")));
    this.starts =
        new RolloutStarts(policies, store, inventory, guardrails, checks, clock, maxStartsPerHour);
  }

  void onStart(@Observes StartupEvent event) {
    int moved = store.upgradeStored();
    if (moved > 0) {
      LOG.infof("moved %d rollouts stored by an earlier version to host rows", moved);
    }
    long period = leases.renewEvery().toMillis();
    timer.scheduleAtFixedRate(leases::renewAll, period, period, TimeUnit.MILLISECONDS);
    // commands a follower took: the leader looks for them every second, so a command does not
    // wait for the scheduler's next poll of the shared job store
    if (leaderElection) {
      timer.scheduleWithFixedDelay(this::pickUpCommands, 1, 1, TimeUnit.SECONDS);
    }
    if (active) {
      store.active().forEach(runs::later);
    } else {
      standbyScheduler();
      LOG.info("engine: waiting to lead (leader election)");
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    stopping = true;
    runs.stop();
    timer.shutdownNow();
    steps.stop();
    leases.releaseAll();
  }

  /** This instance now leads: wake-ups fire here, and every unfinished rollout is decided again. */
  public synchronized void lead() {
    active = true;
    // what this instance knew of wake-ups and states may be stale after another one led
    scheduled.clear();
    saved.clear();
    try {
      quartz.start();
    } catch (org.quartz.SchedulerException e) {
      LOG.errorf(e, "cannot start the wake-up scheduler");
    }
    List<Long> ids = store.active();
    LOG.infof("engine: leading; resuming %d unfinished rollouts", ids.size());
    ids.forEach(runs::later);
  }

  /**
   * Another instance leads: act no more, and hand the rollouts' leases back so that it can take
   * them over at once. Host steps in flight find their fence gone before their next change.
   */
  public synchronized void follow() {
    active = false;
    scheduled.clear();
    saved.clear();
    standbyScheduler();
    leases.releaseAll();
    LOG.info("engine: following; not acting");
  }

  public boolean isActive() {
    return active;
  }

  public String instanceId() {
    return leases.instanceId();
  }

  /**
   * Starts a rollout of {@code policyName}: claims its hosts and plans it now, then freezes the
   * patch set.
   *
   * @throws Refused if the policy does not exist (not a conflict), breaks a guardrail, already has
   *     an unfinished rollout, or (with {@link OnConflict#FAIL}) selects hosts another rollout owns
   */
  public RolloutState start(String policyName, String actor, OnConflict onConflict) {
    return start(policyName, actor, onConflict, Narrowing.NONE);
  }

  /**
   * What a start may narrow: only these packages (an urgent fix alone), only these versions (what a
   * schedule chose), and, for the named packages only, no minimum package age.
   */
  public record Narrowing(
      Optional<Set<String>> packages,
      Optional<Set<dev.patchwave.patch.PackageVersion>> versions,
      boolean ignoreMinAge) {
    public static final Narrowing NONE = new Narrowing(Optional.empty(), Optional.empty(), false);
  }

  /** {@link #start(String, String, OnConflict)}, taking only what {@code narrowing} allows. */
  public RolloutState start(
      String policyName, String actor, OnConflict onConflict, Narrowing narrowing) {
    RolloutState created = starts.create(policyName, actor, onConflict, narrowing);
    tell(l -> l.created(created));
    if (active) {
      reconcile(created.id());
    } else {
      wakeUps.schedule(created.id(), Optional.of(clock.instant())); // the leader takes it from here
    }
    RolloutStore.Stored decided = saved.get(created.id());
    return decided != null ? decided.state() : store.load(created.id()).orElseThrow().state();
  }

  /**
   * Starts a rollout that proves quarantined {@code versions} on {@code host} alone, for a culprit
   * isolation (ADR 20); see {@link RolloutStarts#createProving}.
   */
  public RolloutState startProving(
      RolloutPolicy policy,
      String policySource,
      String host,
      Set<dev.patchwave.patch.PackageVersion> versions,
      String actor,
      String why) {
    RolloutState created = starts.createProving(policy, policySource, host, versions, actor, why);
    tell(l -> l.created(created));
    if (active) {
      reconcile(created.id());
    } else {
      wakeUps.schedule(created.id(), Optional.of(clock.instant()));
    }
    return created;
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
      Optional<Decision> d = decide(id, Optional.of(command));
      if (d.isPresent()) {
        Optional<String> why = d.get().refusalOf(command);
        if (why.isPresent()) {
          throw new Refused(why.get(), true);
        }
        return d.get().state();
      }
      // another instance holds the rollout's lease: hand the command over through the inbox
    }
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

  /** A wake-up fired: decide again soon, looking at every host (timers are due). */
  @Override
  public void wake(long rolloutId) {
    runs.sweepNext(rolloutId);
    scheduled.remove(rolloutId);
    reconcileLater(rolloutId);
  }

  /** Decides for rollout {@code id} soon, on a decider thread; repeated requests coalesce. */
  public void reconcileLater(long id) {
    if (!stopping) {
      runs.later(id);
    }
  }

  /** One decision for rollout {@code id} (steps 1-5 of the class comment). */
  public void reconcile(long id) {
    decide(id, Optional.empty());
  }

  /** One decision, with a person's command if given; empty if this instance may not decide. */
  private Optional<Decision> decide(long id, Optional<Observation> command) {
    if (!active) {
      // the leader decides; a wake-up that fired here before standby is seen by it too
      return Optional.empty();
    }
    synchronized (runs.lock(id)) {
      Optional<Fence> fence = leases.acquire(id);
      if (fence.isEmpty()) {
        // another instance holds the lease; if it died, the lease runs out: look again soon
        if (!stopping) {
          timer.schedule(
              () -> reconcileLater(id), leases.retryWhenHeld().toMillis(), TimeUnit.MILLISECONDS);
        }
        return Optional.empty();
      }
      // hosts whose steps ended, then the observations: each such host's observation is in
      Set<String> finished = runs.drainFinished(id);
      List<Observation> seen = runs.drain(id);
      boolean woke = runs.takeSweep(id);
      // commands another instance (or this one, while another held the lease) stored: looked for
      // at wake-ups, on a command, in this instance's first decision of the rollout, and when the
      // inbox was seen to hold some for it
      boolean flagged = inboxWaiting.remove(id);
      List<CommandInbox.Pending> stored =
          woke || command.isPresent() || flagged || !saved.containsKey(id)
              ? commands.pending(id)
              : List.of();
      stored.forEach(c -> seen.add(c.observation()));
      command.ifPresent(seen::add);
      // a wake-up, a person's command or a state read afresh: look at every host; else only at
      // the hosts this decision is about (see Observations)
      boolean sweep = woke || !stored.isEmpty() || command.isPresent();
      boolean freezing = runs.isFreezing(id);
      RolloutState[] before = new RolloutState[1];
      Decision d;
      // counted and saved under the fleet lock: no other rollout starts a host of a shared group
      // between this decision's count and its save
      fleetLock.lock();
      try {
        d =
            store.underFleetLock(
                () -> {
                  RolloutStore.Stored known = saved.get(id);
                  RolloutStore.Stored loaded = latest(id);
                  before[0] = loaded.state();
                  boolean all = sweep || loaded != known;
                  Set<String> about = new HashSet<>(finished);
                  seen.forEach(o -> o.subject().ifPresent(about::add));
                  Decision decided =
                      RolloutMachine.decide(
                          loaded.state(),
                          new Observations(
                              seen,
                              all ? runs.busy(id) : runs.busyAmong(id, about),
                              freezing,
                              fleetLoad(loaded.state()),
                              bootPoll,
                              all ? Optional.empty() : Optional.of(finished),
                              all ? Optional.empty() : Optional.ofNullable(scheduled.get(id)),
                              Math.max(0, stepQueue - runs.busyCount(id))),
                          clock.instant());
                  long saving = System.nanoTime();
                  long version =
                      store.save(
                          loaded.state(),
                          decided.state(),
                          decided.events(),
                          fence.get(),
                          loaded.version(),
                          decided.state().releasedSince(loaded.state()));
                  leases.saved(id, saving);
                  remember(new RolloutStore.Stored(decided.state(), version));
                  Map<String, List<dev.patchwave.patch.PackageVersion>> installs =
                      newInstalls(loaded.state(), decided.state());
                  if (!installs.isEmpty()) {
                    scans.installed(id, installs, clock.instant());
                  }
                  return decided;
                });
      } catch (RolloutStore.LostLease e) {
        LOG.warnf("rollout %d: %s; not acting", id, e.getMessage());
        leases.forget(id);
        saved.remove(id);
        return Optional.empty();
      } finally {
        fleetLock.unlock();
      }
      if (!stored.isEmpty()) {
        Map<Long, Optional<String>> outcomes = new HashMap<>();
        stored.forEach(c -> outcomes.put(c.id(), d.refusalOf(c.observation())));
        commands.applied(outcomes);
      }
      tell(l -> l.saved(before[0], d));
      for (Action a : d.actions()) {
        steps.dispatch(d.state(), a, fence.get());
      }
      // scheduled after every decision, as before incremental decisions: skipping an unchanged
      // wake-up let CrashResumeIT's rebooting canaries wait forever (not yet understood; see the
      // issue 10 note)
      wakeUps.schedule(id, d.wakeUp());
      d.wakeUp().ifPresentOrElse(at -> scheduled.put(id, at), () -> scheduled.remove(id));
      if (d.state().phase().isTerminal()) {
        leases.forget(id);
        saved.remove(id);
      }
      if (d.state().inFlight() < before[0].inFlight() || d.state().phase().isTerminal()) {
        // hosts were let go: other rollouts waiting on a shared group may go on
        store.active().stream().filter(other -> other != id).forEach(this::reconcileLater);
      }
      return Optional.of(d);
    }
  }

  /**
   * The rollout as last saved: the copy this instance saved, if nobody saved since (one query for
   * the version), else read from the database.
   */
  private RolloutStore.Stored latest(long id) {
    RolloutStore.Stored known = saved.get(id);
    if (known != null && store.version(id).equals(Optional.of(known.version()))) {
      return known;
    }
    RolloutStore.Stored loaded = store.load(id).orElseThrow();
    remember(loaded);
    return loaded;
  }

  private void remember(RolloutStore.Stored s) {
    if (s.state().phase().isTerminal()) {
      saved.remove(s.state().id());
    } else {
      saved.put(s.state().id(), s);
    }
  }

  /** What the other unfinished rollouts hold. */
  private FleetLoad fleetLoad(RolloutState self) {
    if (self.phase().isTerminal()) {
      return FleetLoad.NONE;
    }
    List<Host> hosts = inventory.hosts();
    int fleetLimit = guardrails.fleetLimit(hosts.size());
    List<RolloutState> others = new ArrayList<>();
    for (long other : store.active()) {
      if (other != self.id()) {
        others.add(latest(other).state());
      }
    }
    if (others.isEmpty()) {
      return FleetLoads.of(self, others, Map.of(), fleetLimit);
    }
    Map<String, Host> byName = new HashMap<>();
    hosts.forEach(h -> byName.put(h.name(), h));
    return FleetLoads.of(self, others, byName, fleetLimit);
  }

  /** Versions hosts have now that they did not have before this decision, by host. */
  private static Map<String, List<dev.patchwave.patch.PackageVersion>> newInstalls(
      RolloutState before, RolloutState after) {
    Map<String, List<dev.patchwave.patch.PackageVersion>> out = new HashMap<>();
    for (var h : after.changedSince(before)) {
      var was = before.host(h.name());
      if (!h.installed().isEmpty() && (was == null || !was.installed().equals(h.installed()))) {
        List<dev.patchwave.patch.PackageVersion> fresh = new ArrayList<>(h.installed());
        if (was != null) {
          fresh.removeAll(was.installed());
        }
        if (!fresh.isEmpty()) {
          out.put(h.name(), fresh);
        }
      }
    }
    return out;
  }

  private void pickUpCommands() {
    if (!active || stopping) {
      return;
    }
    try {
      for (long id : commands.rolloutsWithPending()) {
        inboxWaiting.add(id);
        reconcileLater(id);
      }
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

  private void tell(Consumer<RolloutListener> call) {
    for (RolloutListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        LOG.warnf(e, "a rollout listener failed");
      }
    }
  }

  private static String defaultInstanceId() {
    String host = System.getenv().getOrDefault("HOSTNAME", "patchwave");
    return host + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
  }

  static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
