/**
 * Kubernetes through Fabric8: nodes as hosts (an informer, not polling), cordon and drain through
 * the Eviction API with PodDisruptionBudgets respected, uncordon only what Patchwave cordoned, and
 * leader election with a Lease.
 */
package dev.patchwave.kube;
