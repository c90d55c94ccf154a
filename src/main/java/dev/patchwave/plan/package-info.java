/**
 * The wave planner: (policy, hosts, time) to a {@link dev.patchwave.plan.Plan} of waves and
 * batches, each placement explained. Pure, deterministic.
 *
 * <p>Pure core: imports only {@code java.*}, {@code policy} and the {@code inventory} model.
 */
package dev.patchwave.plan;
