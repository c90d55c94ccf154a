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
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.Action;
import dev.patchwave.rollout.Decision;
import dev.patchwave.rollout.Event;
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
      org.quartz.Scheduler quartz) {
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

  /** Thrown when a rollout cannot start (no such policy, one already running). */
  public static final class Refused extends RuntimeException {
    public final boolean conflict;

    Refused(String message, boolean conflict) {
      super(message);
      this.conflict = conflict;
    }
  }

  /** Starts a rollout of {@code policyName}: plans it now, then freezes the patch set. */
  public RolloutState start(String policyName, String actor) {
    PolicyStore.Entry entry =
        policies
            .get(policyName)
            .orElseThrow(() -> new Refused("no policy named '" + policyName + "'", false));
    if (store.hasActiveRollout(policyName)) {
      throw new Refused("a rollout of policy '" + policyName + "' is already running", true);
    }
    RolloutPolicy policy;
    try {
      policy = PolicyReader.read(entry.source());
    } catch (DocumentException e) {
      throw new IllegalStateException("stored policy no longer validates", e);
    }
    Plan plan = WavePlanner.plan(policy, inventory.hosts(), clock.instant());
    RolloutState draft = RolloutState.start(0, policy, plan, actor, clock.instant());
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
                    "policy "
                        + policyName
                        + " revision "
                        + entry.revision()
                        + ", "
                        + plan.selectedHosts()
                        + " hosts in "
                        + plan.waves().size()
                        + " waves")));
    tell(l -> l.created(created));
    if (active) {
      reconcile(created.id());
    } else {
      wakeUps.schedule(created.id(), Optional.of(clock.instant())); // the leader takes it from here
    }
    return store.load(created.id()).orElseThrow().state();
  }

  /** Hands a person's command to the rollout and decides at once; returns the new state. */
  public RolloutState command(long id, Observation command) {
    if (active) {
      enqueue(id, command);
      reconcile(id);
      return store.load(id).orElseThrow().state();
    }
    // not the leader: leave the command for it, wake it, and wait a little for it to be applied
    long stored = commands.add(id, command);
    wakeUps.schedule(id, Optional.of(clock.instant()));
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < until && !commands.isApplied(stored)) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
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
    if (!active) {
      return; // the leader decides; a wake-up that fired here before standby is seen by it too
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
        return;
      }
      fences.put(id, fence.get());
      RolloutStore.Stored before = store.load(id).orElseThrow();
      List<Observation> seen = drain(id);
      List<CommandInbox.Pending> stored = commands.pending(id);
      stored.forEach(c -> seen.add(c.observation()));
      Set<String> running =
          Set.copyOf(busy.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()));
      boolean isFreezing = freezing.computeIfAbsent(id, k -> new AtomicBoolean()).get();
      Decision d =
          RolloutMachine.decide(
              before.state(), new Observations(seen, running, isFreezing), clock.instant());
      try {
        store.save(d.state(), d.events(), fence.get(), before.version());
      } catch (RolloutStore.LostLease e) {
        LOG.warnf("rollout %d: %s; not acting", id, e.getMessage());
        fences.remove(id);
        return;
      }
      commands.applied(stored.stream().map(CommandInbox.Pending::id).toList());
      tell(l -> l.saved(before.state(), d));
      for (Action a : d.actions()) {
        dispatch(d.state(), a, fence.get());
      }
      wakeUps.schedule(id, d.wakeUp());
      if (d.state().phase().isTerminal()) {
        fences.remove(id);
      }
    }
  }

  private void dispatch(RolloutState state, Action action, Fence fence) {
    long id = state.id();
    BooleanSupplier mayAct = () -> !stopping && store.isValid(fence) && stillWanted(id);
    if (action instanceof Action.FreezePatchSet f) {
      freezing.get(id).set(true);
      run(id, null, () -> steps.freeze(state, f.canaries()), () -> freezing.get(id).set(false));
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
