package dev.patchwave.engine;

import dev.patchwave.rollout.Observation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import org.jboss.logging.Logger;

/**
 * Per rollout: the observations waiting for its next decision, the hosts with a step under way,
 * whether a freeze runs, and the lock that keeps its decisions from overlapping. Asks for a
 * decision on the decider pool; requests made while one is queued coalesce. Thread-safe.
 */
final class RunQueue {

  private static final Logger LOG = Logger.getLogger(RunQueue.class);

  private final ExecutorService deciders;
  private final LongConsumer decide;
  private final Map<Long, Queue<Observation>> inbox = new ConcurrentHashMap<>();
  private final Map<Long, Set<String>> busy = new ConcurrentHashMap<>();
  private final Map<Long, Set<String>> finished = new ConcurrentHashMap<>();
  private final Set<Long> sweeps = ConcurrentHashMap.newKeySet();
  private final Map<Long, AtomicBoolean> freezing = new ConcurrentHashMap<>();
  private final Map<Long, AtomicBoolean> queued = new ConcurrentHashMap<>();
  private final Map<Long, Object> locks = new ConcurrentHashMap<>();
  private volatile boolean stopped;

  RunQueue(ExecutorService deciders, LongConsumer decide) {
    this.deciders = deciders;
    this.decide = decide;
  }

  /** Decides for rollout {@code id} soon, on a decider thread. */
  void later(long id) {
    if (stopped) {
      return;
    }
    AtomicBoolean flag = queued.computeIfAbsent(id, k -> new AtomicBoolean());
    if (flag.compareAndSet(false, true)) {
      deciders.submit(
          () -> {
            flag.set(false);
            try {
              decide.accept(id);
            } catch (RuntimeException e) {
              LOG.errorf(e, "deciding rollout %d failed", id);
            }
          });
    }
  }

  void enqueue(long id, Observation o) {
    inbox.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>()).add(o);
  }

  /** Takes every observation waiting for rollout {@code id}. */
  List<Observation> drain(long id) {
    Queue<Observation> q = inbox.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>());
    List<Observation> out = new ArrayList<>();
    Observation o;
    while ((o = q.poll()) != null) {
      out.add(o);
    }
    return out;
  }

  /** The hosts of rollout {@code id} with a step under way now. */
  Set<String> busy(long id) {
    return Set.copyOf(busy.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()));
  }

  /** How many hosts of rollout {@code id} have a step under way or queued now. */
  int busyCount(long id) {
    return busy.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).size();
  }

  /** Those of {@code hosts} with a step of rollout {@code id} under way now. */
  Set<String> busyAmong(long id, java.util.Collection<String> hosts) {
    Set<String> all = busy.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet());
    Set<String> out = new java.util.HashSet<>();
    for (String h : hosts) {
      if (all.contains(h)) {
        out.add(h);
      }
    }
    return out;
  }

  void started(long id, String host) {
    busy.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(host);
  }

  /**
   * A step on {@code host} ended (after its observation was queued): no longer busy, and named to
   * the next decision, which looks at it even when nothing about it changed.
   */
  void finished(long id, String host) {
    finished.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(host);
    busy.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).remove(host);
  }

  /**
   * Takes the hosts whose steps ended since the last call. Taken before the observations: a host
   * named here has its observation queued already.
   */
  Set<String> drainFinished(long id) {
    Set<String> all = finished.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet());
    Set<String> out = new java.util.HashSet<>();
    for (var it = all.iterator(); it.hasNext(); ) {
      out.add(it.next());
      it.remove();
    }
    return out;
  }

  /** The next decision of rollout {@code id} looks at every host (a wake-up fired). */
  void sweepNext(long id) {
    sweeps.add(id);
  }

  /** Whether the next decision was asked to look at every host; clears the request. */
  boolean takeSweep(long id) {
    return sweeps.remove(id);
  }

  boolean isFreezing(long id) {
    return freezing.computeIfAbsent(id, k -> new AtomicBoolean()).get();
  }

  void freezing(long id, boolean on) {
    freezing.computeIfAbsent(id, k -> new AtomicBoolean()).set(on);
  }

  /** Held while rollout {@code id} is decided. */
  Object lock(long id) {
    return locks.computeIfAbsent(id, k -> new Object());
  }

  void stop() {
    stopped = true;
  }
}
