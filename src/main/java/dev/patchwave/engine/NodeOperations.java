package dev.patchwave.engine;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * What the host steps need from Kubernetes for a host that is a node: drain it before patching,
 * uncordon it after. Implemented over Fabric8 in {@code kube}; a controller without Kubernetes has
 * none, and a policy that asks for drains on a node then fails the host with a clear reason.
 */
public interface NodeOperations {

  /** How a drain ended. */
  sealed interface DrainResult {}

  /** Cordoned (by us, or already by someone else) and every evictable pod is gone. */
  record Drained(boolean cordonedByUs, int evicted) implements DrainResult {}

  /** The node left the cluster while it was drained. */
  record NodeGone(String node) implements DrainResult {}

  /** Not drained within the timeout, or refused outright; {@code why} names the pod and PDB. */
  record DrainFailed(String why) implements DrainResult {}

  /**
   * Cordons {@code node} (marking it as cordoned by rollout {@code rolloutId}, unless it already
   * was unschedulable) and evicts its pods through the Eviction API until none is left or {@code
   * timeout} passes. Never deletes a pod; leaves DaemonSet and mirror pods; refuses pods with
   * emptyDir volumes unless {@code deleteEmptyDirData}. {@code mayAct} is asked before each change.
   */
  DrainResult drain(
      String node,
      long rolloutId,
      Duration timeout,
      boolean deleteEmptyDirData,
      BooleanSupplier mayAct);

  /** Uncordons {@code node} if, and only if, Patchwave cordoned it. True if it did. */
  boolean uncordonIfOurs(String node, long rolloutId);
}
