package dev.patchwave.engine;

import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.persistence.RolloutStore.Fence;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The rollout leases this instance holds (DESIGN invariant 6): takes one before a decision (or
 * renews it, unless it was renewed within the last third of its length: the save is fenced by the
 * token either way), renews them all a few times per lease, hands them back when it stops leading
 * or shuts down. Thread-safe.
 */
final class LeaseKeeper {

  private static final Logger LOG = Logger.getLogger(LeaseKeeper.class);

  private final RolloutStore store;
  private final String instanceId;
  private final Duration ttl;
  private final Map<Long, Fence> fences = new ConcurrentHashMap<>();

  /** When each lease held was last taken or renewed (System.nanoTime). */
  private final Map<Long, Long> renewedAt = new ConcurrentHashMap<>();

  LeaseKeeper(RolloutStore store, String instanceId, Duration ttl) {
    this.store = store;
    this.instanceId = instanceId;
    this.ttl = ttl;
  }

  String instanceId() {
    return instanceId;
  }

  /** Takes or renews the lease on rollout {@code id}; empty while another instance holds it. */
  Optional<Fence> acquire(long id) {
    Fence held = fences.get(id);
    Long at = renewedAt.get(id);
    if (held != null && at != null && System.nanoTime() - at < renewEvery().toNanos()) {
      return Optional.of(held);
    }
    long now = System.nanoTime();
    Optional<Fence> fence = store.acquire(id, instanceId, ttl);
    if (fence.isPresent()) {
      fences.put(id, fence.get());
      renewedAt.put(id, now);
    } else {
      forget(id);
    }
    return fence;
  }

  /**
   * A save under the lease on {@code id} began at {@code nanoTime} and succeeded: it extended the
   * lease as a renewal would ({@link RolloutStore#save}).
   */
  void saved(long id, long nanoTime) {
    if (fences.containsKey(id)) {
      renewedAt.merge(id, nanoTime, Math::max);
    }
  }

  /** Stops renewing the lease on {@code id} (the rollout ended, or the lease was lost). */
  void forget(long id) {
    fences.remove(id);
    renewedAt.remove(id);
  }

  /**
   * How long to wait before looking again at a lease another instance holds: a fifth of its length,
   * so a takeover waits for the lease to expire, not for a whole lease more.
   */
  Duration retryWhenHeld() {
    return Duration.ofMillis(Math.max(200, ttl.toMillis() / 5));
  }

  /** How often to renew: three times per lease. */
  Duration renewEvery() {
    return Duration.ofMillis(Math.max(1, ttl.toMillis() / 3));
  }

  /** Renews every lease held; forgets the ones another instance took over. */
  void renewAll() {
    for (Fence f : List.copyOf(fences.values())) {
      try {
        long now = System.nanoTime();
        Optional<Fence> renewed = store.acquire(f.rolloutId(), instanceId, ttl);
        if (renewed.isEmpty() || renewed.get().token() != f.token()) {
          forget(f.rolloutId());
        } else {
          renewedAt.put(f.rolloutId(), now);
        }
      } catch (RuntimeException e) {
        if (lockTimeout(e)) {
          // a save holds the lease row, and that save extends the lease itself
          LOG.debugf("lease of rollout %d: renewal waited on a save", f.rolloutId());
        } else {
          LOG.warnf("cannot renew the lease of rollout %d: %s", f.rolloutId(), e.getMessage());
        }
      }
    }
  }

  private static boolean lockTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof jakarta.persistence.LockTimeoutException
          || t instanceof jakarta.persistence.PessimisticLockException
          || t instanceof org.hibernate.PessimisticLockException) {
        return true;
      }
    }
    return false;
  }

  /** Hands every lease back, so another instance can take the rollouts over at once. */
  void releaseAll() {
    for (Fence f : List.copyOf(fences.values())) {
      try {
        store.release(f);
      } catch (RuntimeException e) {
        LOG.debugf("lease of rollout %d not released: %s", f.rolloutId(), e.getMessage());
      }
    }
    fences.clear();
  }
}
