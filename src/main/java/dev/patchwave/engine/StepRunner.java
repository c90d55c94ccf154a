package dev.patchwave.engine;

import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.persistence.QuarantineStore;
import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.persistence.RolloutStore.Fence;
import dev.patchwave.rollout.Action;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.Reason;
import dev.patchwave.rollout.RolloutState;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Carries out a decision's actions once it is saved: host steps (each a short, bounded piece of
 * work: waits for reboots and drains are wake-ups, not threads) on the worker pool, health checks
 * on their own pool (so no number of host steps delays a soak's re-check), a freeze's survey on a
 * third; each outcome goes to the rollout's {@link RunQueue} and asks for the next decision. A step
 * checks before each change to a host that the fence still holds and the rollout still wants it.
 * Never blocks the caller.
 */
final class StepRunner {

  private static final Logger LOG = Logger.getLogger(StepRunner.class);

  private final HostSteps steps;
  private final RolloutStore store;
  private final QuarantineStore quarantine;
  private final HostSource inventory;
  private final Clock clock;
  private final RunQueue runs;
  private final Consumer<Consumer<RolloutListener>> tell;
  private final BooleanSupplier stopping;
  private final ExecutorService workers;
  private final ExecutorService checks;
  private final ExecutorService surveys;

  StepRunner(
      HostSteps steps,
      RolloutStore store,
      QuarantineStore quarantine,
      HostSource inventory,
      Clock clock,
      RunQueue runs,
      Consumer<Consumer<RolloutListener>> tell,
      BooleanSupplier stopping,
      ExecutorService workers,
      ExecutorService checks,
      ExecutorService surveys) {
    this.steps = steps;
    this.store = store;
    this.quarantine = quarantine;
    this.inventory = inventory;
    this.clock = clock;
    this.runs = runs;
    this.tell = tell;
    this.stopping = stopping;
    this.workers = workers;
    this.checks = checks;
    this.surveys = surveys;
  }

  void dispatch(RolloutState state, Action action, Fence fence) {
    long id = state.id();
    BooleanSupplier mayAct = () -> !stopping.getAsBoolean() && store.mayAct(fence);
    if (action instanceof Action.FreezePatchSet f) {
      runs.freezing(id, true);
      // on a worker: the survey's reads go to their own pool, which this thread waits for
      run(
          workers,
          Rank.FREEZE,
          id,
          null,
          () -> {
            Map<String, Host> byName = new HashMap<>();
            inventory.hosts().forEach(h -> byName.put(h.name(), h));
            return PatchSetFreeze.freeze(
                state, f.hosts(), h -> steps.needs(state, h), byName, surveys, clock.instant());
          },
          () -> runs.freezing(id, false));
    } else if (action instanceof Action.PrepareHost p) {
      run(workers, Rank.PREPARE, id, p.host(), () -> steps.prepare(state, p.host(), mayAct), null);
    } else if (action instanceof Action.DrainNode n) {
      run(
          workers,
          Rank.DRAIN,
          id,
          n.host(),
          () -> steps.drain(state, n.host(), n.deadline(), mayAct),
          null);
    } else if (action instanceof Action.PatchHost p) {
      run(
          workers,
          Rank.PATCH,
          id,
          p.host(),
          () -> steps.patch(state, p.host(), p.patchSet(), mayAct),
          null);
    } else if (action instanceof Action.RebootHost r) {
      run(
          workers,
          Rank.REBOOT,
          id,
          r.host(),
          () -> steps.reboot(state, r.host(), r.bootIdBefore(), mayAct),
          null);
    } else if (action instanceof Action.PowerCycle c) {
      run(
          workers,
          Rank.REBOOT,
          id,
          c.host(),
          () -> steps.powerCycle(state, c.host(), mayAct),
          null);
    } else if (action instanceof Action.KeepKernel k) {
      run(
          workers,
          Rank.REBOOT,
          id,
          k.host(),
          () -> steps.keepKernel(state, k.host(), k.toEntry(), k.toKernel(), mayAct),
          null);
    } else if (action instanceof Action.AwaitBoot b) {
      run(
          workers,
          Rank.REBOOT,
          id,
          b.host(),
          () -> steps.awaitBoot(b.host(), b.bootIdBefore()),
          null);
    } else if (action instanceof Action.CheckHealth c) {
      run(checks, Rank.PATCH, id, c.host(), () -> steps.health(state, c.host()), null);
    } else if (action instanceof Action.Uncordon u) {
      workers.execute(
          Rank.PATCH.of(
              () -> {
                try {
                  steps.uncordon(state, u.host());
                } catch (RuntimeException e) {
                  LOG.warnf("rollout %d: uncordon of %s failed: %s", id, u.host(), e.getMessage());
                }
              }));
    } else if (action instanceof Action.Quarantine q) {
      workers.execute(Rank.QUARANTINE.of(() -> quarantine(id, q)));
    } else if (action instanceof Action.Notify n) {
      LOG.infof("rollout %d: %s %s", id, n.reason().text, n.detail());
    }
  }

  private void run(
      ExecutorService pool,
      Rank rank,
      long id,
      String host,
      Supplier<Observation> step,
      Runnable after) {
    if (host != null) {
      runs.started(id, host);
    }
    pool.execute(
        rank.of(
            () -> {
              try {
                Observation o = step.get();
                tell.accept(l -> l.observed(id, o));
                runs.enqueue(id, o);
              } catch (HostSteps.Abandoned e) {
                LOG.infof("rollout %d: %s", id, e.getMessage());
              } catch (RuntimeException e) {
                LOG.errorf(e, "rollout %d: step on %s failed unexpectedly", id, host);
                runs.enqueue(
                    id,
                    host != null
                        ? new Observation.HostStepFailed(
                            host, Reason.INSTALL_FAILED, "internal error: " + e.getMessage(), false)
                        // the freeze: pause with the reason instead of issuing it again and again
                        : new Observation.FreezeFailed("internal error: " + e));
              } finally {
                if (host != null) {
                  runs.finished(id, host);
                }
                if (after != null) {
                  after.run();
                }
                runs.later(id);
              }
            }));
  }

  /**
   * Which queued steps a worker takes first: a host's later steps before other hosts' first ones,
   * so that a host started goes through quickly (its SSH connection is still open for its next
   * step, a drained node is not left waiting behind a queue of preparations), and the quarantine
   * before everything. Equal ranks run in the order they were queued.
   */
  enum Rank {
    QUARANTINE,
    REBOOT,
    PATCH,
    DRAIN,
    PREPARE,
    FREEZE;

    private static final java.util.concurrent.atomic.AtomicLong SEQUENCE =
        new java.util.concurrent.atomic.AtomicLong();

    Ranked of(Runnable task) {
      return new Ranked(this, SEQUENCE.getAndIncrement(), task);
    }
  }

  /** A task with its rank, for a pool whose queue orders by it ({@link #rankedPool}). */
  record Ranked(Rank rank, long sequence, Runnable task) implements Runnable, Comparable<Ranked> {
    @Override
    public void run() {
      task.run();
    }

    @Override
    public int compareTo(Ranked o) {
      int c = rank.compareTo(o.rank);
      return c != 0 ? c : Long.compare(sequence, o.sequence);
    }
  }

  /** A fixed pool of {@code threads} that takes queued {@link Ranked} tasks best rank first. */
  static ExecutorService rankedPool(int threads, java.util.concurrent.ThreadFactory factory) {
    return new java.util.concurrent.ThreadPoolExecutor(
        threads,
        threads,
        0,
        java.util.concurrent.TimeUnit.MILLISECONDS,
        new java.util.concurrent.PriorityBlockingQueue<>(),
        factory);
  }

  private void quarantine(long id, Action.Quarantine q) {
    quarantine.addIncident(q.versions(), id, q.host(), q.detail(), "controller");
    List<String> missed =
        steps.writePins("patchwave quarantine: rollout " + id + ", failed on " + q.host());
    LOG.infof(
        "rollout %d: quarantined %s; pins written, %d hosts missed%s",
        id, q.versions(), missed.size(), missed.isEmpty() ? "" : " " + missed);
  }

  void stop() {
    workers.shutdownNow();
    checks.shutdownNow();
    surveys.shutdownNow();
  }
}
