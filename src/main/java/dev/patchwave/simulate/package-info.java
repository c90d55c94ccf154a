/**
 * The what-if simulator (ADR 19): a policy's rollout of a bad version on simulated hosts, through
 * the same planner and the same state machine as the controller on a virtual clock, next to the
 * usual tools' behaviour on the same hosts and faults. Pure: no framework, no I/O.
 */
package dev.patchwave.simulate;
