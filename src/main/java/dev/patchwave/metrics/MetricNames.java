package dev.patchwave.metrics;

import java.util.List;

/** Every metric the controller exposes, by its Prometheus name (docs/operations.md lists them). */
public final class MetricNames {

  /** Gauge: rollouts by {@code phase} (all rollouts the database holds). */
  public static final String ROLLOUTS = "patchwave_rollouts";

  /** Gauge: hosts by {@code phase} of each unfinished rollout ({@code rollout}, {@code policy}). */
  public static final String ROLLOUT_HOSTS = "patchwave_rollout_hosts";

  /** Gauge: the index of the wave an unfinished rollout is at (0-based). */
  public static final String ROLLOUT_WAVE = "patchwave_rollout_wave";

  /** Gauge: how many waves an unfinished rollout has. */
  public static final String ROLLOUT_WAVES = "patchwave_rollout_waves";

  /** Gauge: hosts of an unfinished rollout that are done (HEALTHY or SKIPPED). */
  public static final String ROLLOUT_HOSTS_DONE = "patchwave_rollout_hosts_done";

  /** Gauge: since when (Unix seconds) an unfinished rollout is in its {@code phase}. */
  public static final String ROLLOUT_PHASE_SINCE =
      "patchwave_rollout_phase_since_timestamp_seconds";

  /** Counters by {@code policy}: rollouts started, halted, completed. */
  public static final String ROLLOUTS_STARTED = "patchwave_rollouts_started_total";

  public static final String ROLLOUTS_HALTED = "patchwave_rollouts_halted_total";
  public static final String ROLLOUTS_COMPLETED = "patchwave_rollouts_completed_total";

  /** Counter: health check results by {@code check} and {@code verdict}. */
  public static final String HEALTH_CHECKS = "patchwave_health_checks_total";

  /** Histogram: SSH (and simulated) command duration by {@code kind} and {@code transport}. */
  public static final String COMMAND_DURATION = "patchwave_host_command_duration_seconds";

  /** Histogram: from the first failed check or step of a wave to the rollout's halt. */
  public static final String HALT_DETECTION = "patchwave_halt_detection_seconds";

  /** Gauge: package versions in quarantine now. */
  public static final String QUARANTINED = "patchwave_quarantined_versions";

  /** Gauge: Kubernetes node drains in progress. */
  public static final String DRAINS = "patchwave_drains_in_progress";

  /** Gauge: hosts whose last scan found security updates pending. */
  public static final String HOSTS_PENDING_SECURITY = "patchwave_hosts_pending_security_updates";

  /** Gauge: hosts whose last scan found them installing updates by themselves. */
  public static final String HOSTS_SELF_UPDATING = "patchwave_hosts_self_updating";

  /** Gauge: hosts with a good scan. */
  public static final String HOSTS_SCANNED = "patchwave_hosts_scanned";

  /** Gauge: hosts whose last scan attempt failed. */
  public static final String HOSTS_SCAN_FAILING = "patchwave_hosts_scan_failing";

  /** Gauge: the age of the oldest good host scan, in seconds. */
  public static final String SCAN_AGE_MAX = "patchwave_scan_age_max_seconds";

  /** Counter: host scans that failed. */
  public static final String SCAN_FAILURES = "patchwave_scan_failures_total";

  /** Counter: fleet events by {@code kind} (drift, adoption, schedules, overdue updates). */
  public static final String FLEET_EVENTS = "patchwave_fleet_events_total";

  public static final List<String> ALL =
      List.of(
          ROLLOUTS,
          ROLLOUT_HOSTS,
          ROLLOUT_WAVE,
          ROLLOUT_WAVES,
          ROLLOUT_HOSTS_DONE,
          ROLLOUT_PHASE_SINCE,
          ROLLOUTS_STARTED,
          ROLLOUTS_HALTED,
          ROLLOUTS_COMPLETED,
          HEALTH_CHECKS,
          COMMAND_DURATION,
          HALT_DETECTION,
          QUARANTINED,
          DRAINS,
          HOSTS_PENDING_SECURITY,
          HOSTS_SELF_UPDATING,
          HOSTS_SCANNED,
          HOSTS_SCAN_FAILING,
          SCAN_AGE_MAX,
          SCAN_FAILURES,
          FLEET_EVENTS);

  private MetricNames() {}
}
