/**
 * Health gates. {@link dev.patchwave.health.HealthCheck} is the port; the policy's check kinds
 * (builtin, ssh, http, prometheus) are its adapters, and {@link dev.patchwave.health.HealthChecker}
 * runs a policy's checks on one host with one SSH session.
 */
package dev.patchwave.health;
