/**
 * The rollout state machine: {@code decide(state, observations, now)} returns the next state, the
 * actions to take and the next wake-up. It performs nothing; the engine carries out the actions and
 * feeds their outcomes back as observations.
 *
 * <p>Pure core: imports only {@code java.*}, {@code policy}, {@code plan} and {@code patch}.
 */
package dev.patchwave.rollout;
