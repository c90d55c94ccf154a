/**
 * The rollout policy language: the {@link dev.patchwave.policy.RolloutPolicy} model, reading it
 * from YAML or JSON with every problem reported at once ({@link
 * dev.patchwave.policy.PolicyReader}), label selectors, and maintenance windows.
 *
 * <p>Pure core: imports only {@code java.*} and {@code dev.patchwave.doc}.
 */
package dev.patchwave.policy;
