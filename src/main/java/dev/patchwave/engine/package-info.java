/**
 * The orchestrator: loads a rollout, asks the state machine what to do, persists the decision
 * (fenced), then carries the actions out through the ports and feeds their outcomes back.
 */
package dev.patchwave.engine;
