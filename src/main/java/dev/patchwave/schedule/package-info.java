/** Quartz: the persistent wake-ups of rollouts (soak ends, retries, health intervals, windows). */
package dev.patchwave.schedule;
