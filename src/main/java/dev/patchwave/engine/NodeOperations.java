package dev.patchwave.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * What the host steps need from Kubernetes for a host that is a node: drain it before patching,
 * uncordon it after. Implemented over Fabric8 in {@code kube}; a controller without Kubernetes has
 * none, and a policy that asks for drains on a node then fails the host with a clear reason.
 */
public interface NodeOperations {

  /** Where a drain stands after one pass. */
  sealed interface DrainResult {}

  /** Cordoned (by us, or already by someone else) and every evictable pod is gone. */
  record Drained(boolean cordonedByUs, int evicted) implements DrainResult {}

  /** Evictions given, pods left (terminating, or refused by a PodDisruptionBudget). */
  record Draining(int evicted, String waitingFor, Duration lookAgainIn) implements DrainResult {}

  /** The node left the cluster while it was drained. */
  record NodeGone(String node) implements DrainResult {}

  /** Not drained by the deadline, or refused outright; {@code why} names the pod and PDB. */
  record DrainFailed(String why) implements DrainResult {}

  /**
   * One pass of a drain: cordons {@code node} if it is not yet (marking it as cordoned by rollout
   * {@code rolloutId}, unless it already was unschedulable), evicts its pods through the Eviction
   * API, and says where the drain stands. Never deletes a pod; leaves DaemonSet and mirror pods;
   * refuses pods with emptyDir volumes unless {@code deleteEmptyDirData}; fails once {@code
   * deadline} has passed with pods left. {@code mayAct} is asked before each change. Returns
   * quickly: the caller looks again after {@link Draining#lookAgainIn}, holding no thread.
   */
  DrainResult drainOnce(
      String node,
      long rolloutId,
      Instant deadline,
      boolean deleteEmptyDirData,
      BooleanSupplier mayAct);

  /** Uncordons {@code node} if, and only if, Patchwave cordoned it. True if it did. */
  boolean uncordonIfOurs(String node, long rolloutId);
}
