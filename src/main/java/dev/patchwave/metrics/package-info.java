/**
 * Prometheus metrics (Micrometer), all prefixed {@code patchwave_}, with bounded label values: no
 * metric carries a host name. The names are listed in {@link dev.patchwave.metrics.MetricNames} and
 * checked against the dashboard and alert rules under {@code deploy/}.
 */
package dev.patchwave.metrics;
