package dev.patchwave.policy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated rollout policy ({@code apiVersion: patchwave.dev/v1, kind: RolloutPolicy}). Only
 * {@link PolicyReader} builds one from text; every instance has passed validation, and every
 * optional field holds its documented default.
 */
public record RolloutPolicy(Metadata metadata, Spec spec) {

  public static final String API_VERSION = "patchwave.dev/v1";
  public static final String KIND = "RolloutPolicy";

  public String name() {
    return metadata.name();
  }

  public record Metadata(String name, Map<String, String> labels, Map<String, String> annotations) {
    public Metadata {
      labels = Map.copyOf(labels);
      annotations = Map.copyOf(annotations);
    }
  }

  public record Spec(
      Selector selector,
      Packages packages,
      Reboot reboot,
      Disruption disruption,
      Canary canary,
      List<Wave> waves,
      Health health,
      Failure failure,
      List<MaintenanceWindow> windows,
      List<Blackout> blackouts,
      Kubernetes kubernetes,
      Optional<Trigger> trigger,
      boolean adopt) {
    public Spec {
      waves = List.copyOf(waves);
      windows = List.copyOf(windows);
      blackouts = List.copyOf(blackouts);
    }

    /** A policy without a schedule that leaves hosts' own updates alone. */
    public Spec(
        Selector selector,
        Packages packages,
        RebootMode reboot,
        Disruption disruption,
        Canary canary,
        List<Wave> waves,
        Health health,
        Failure failure,
        List<MaintenanceWindow> windows,
        List<Blackout> blackouts,
        Kubernetes kubernetes) {
      this(
          selector,
          packages,
          Reboot.of(reboot),
          disruption,
          canary,
          waves,
          health,
          failure,
          windows,
          blackouts,
          kubernetes,
          Optional.empty(),
          false);
    }

    /**
     * How long a version must have been seen pending before any rollout of this policy takes it
     * (zero without a trigger).
     */
    public Duration minPackageAge() {
      return trigger.map(Trigger::minPackageAge).orElse(Duration.ZERO);
    }

    /** When this policy allows hosts to be touched. */
    public MaintenanceSchedule schedule() {
      return new MaintenanceSchedule(windows, blackouts);
    }
  }

  /** Which pending updates a rollout takes. */
  public record Packages(PackageOrigin origin, List<String> include, List<String> exclude) {
    public Packages {
      include = List.copyOf(include);
      exclude = List.copyOf(exclude);
    }

    public static final Packages DEFAULT =
        new Packages(PackageOrigin.SECURITY, List.of("*"), List.of());

    /** True if {@code packageName} is matched by an include glob and by no exclude glob. */
    public boolean selects(String packageName) {
      return include.stream().anyMatch(g -> Globs.matches(g, packageName))
          && exclude.stream().noneMatch(g -> Globs.matches(g, packageName));
    }
  }

  public enum PackageOrigin {
    /** Only updates from the distribution's security pocket. */
    SECURITY("security"),
    /** Every pending update. */
    ALL("all");

    public final String word;

    PackageOrigin(String word) {
      this.word = word;
    }
  }

  /**
   * When hosts reboot, and how a new kernel is booted: on {@code trial} (where the host supports
   * it) the running kernel stays GRUB's saved default and the new one is booted once, with {@code
   * panic=<panicTimeout>} on its command line (and {@code softlockup_panic=1 hung_task_panic=1}
   * with {@code panicOnHang}), so that a kernel that panics reboots by itself into the old one. A
   * host that does not come back within the health timeout is power-cycled through its BMC up to
   * {@code powerCycles} times (0 to 3; only hosts with a BMC in the inventory).
   */
  public record Reboot(
      RebootMode when, boolean trial, Duration panicTimeout, boolean panicOnHang, int powerCycles) {

    public static final Duration DEFAULT_PANIC_TIMEOUT = Duration.ofSeconds(30);

    public static final int DEFAULT_POWER_CYCLES = 1;

    public static final Reboot DEFAULT = of(RebootMode.IF_REQUIRED);

    public Reboot(RebootMode when, boolean trial, Duration panicTimeout, boolean panicOnHang) {
      this(when, trial, panicTimeout, panicOnHang, DEFAULT_POWER_CYCLES);
    }

    /** {@code when}, with a trial boot of new kernels and one power cycle (the defaults). */
    public static Reboot of(RebootMode when) {
      return new Reboot(when, true, DEFAULT_PANIC_TIMEOUT, false, DEFAULT_POWER_CYCLES);
    }
  }

  public enum RebootMode {
    NEVER("never"),
    /** Reboot when the package manager says one is required (new kernel, libc, systemd). */
    IF_REQUIRED("ifRequired"),
    ALWAYS("always");

    public final String word;

    RebootMode(String word) {
      this.word = word;
    }
  }

  /**
   * How much may be down at once. {@code groupBy} names label keys; each distinct value of each key
   * is one redundancy group.
   */
  public record Disruption(
      List<String> groupBy, int maxUnavailablePerGroup, Amount maxUnavailable) {
    public Disruption {
      groupBy = List.copyOf(groupBy);
    }

    public static final Disruption DEFAULT = new Disruption(List.of(), 1, Amount.count(1));
  }

  /** The first wave holds at least one host of each value of each {@code coverBy} key. */
  public record Canary(List<String> coverBy) {
    public Canary {
      coverBy = List.copyOf(coverBy);
    }

    public static final Canary DEFAULT = new Canary(List.of());
  }

  /**
   * One step of a rollout. {@code size} is a host count for this wave, or a cumulative percentage
   * of the selected hosts.
   */
  public record Wave(String name, Amount size, Duration soak, Approval approval) {}

  public enum Approval {
    /** The wave starts by itself once the previous one has soaked. */
    AUTO("auto"),
    /** The wave waits for an approver. */
    MANUAL("manual");

    public final String word;

    Approval(String word) {
      this.word = word;
    }
  }

  public record Health(Duration interval, Duration timeout, List<CheckSpec> checks) {
    public Health {
      checks = List.copyOf(checks);
    }
  }

  /** A health check as the policy states it. */
  public sealed interface CheckSpec {
    /** A stable name for events and metrics: given in the policy, or derived from the kind. */
    String name();
  }

  public enum BuiltinCheck {
    /** The host answers over its transport. */
    REACHABLE("reachable"),
    /** After a reboot, the boot id differs from the one before it. */
    BOOT_ID_CHANGED("boot-id-changed"),
    /** The running kernel is the one the patch set installed. */
    EXPECTED_KERNEL("expected-kernel"),
    /** {@code systemctl is-system-running} says running (not degraded). */
    SYSTEM_RUNNING("system-running"),
    /** The host's Kubernetes node reports Ready=True (hosts that are nodes only). */
    NODE_READY("node-ready");

    public final String word;

    BuiltinCheck(String word) {
      this.word = word;
    }
  }

  public record Builtin(String name, BuiltinCheck check) implements CheckSpec {}

  /**
   * A command run on the host (an argv list, never a shell string): the check catalogue's command
   * {@code check} followed by the arguments {@code argv} adds, or, without {@code check}, {@code
   * argv} itself (an inline command, refused unless the controller allows them).
   */
  public record SshCheck(
      String name, Optional<String> check, List<String> argv, int expectExit, Duration timeout)
      implements CheckSpec {
    public SshCheck {
      argv = List.copyOf(argv);
    }
  }

  /**
   * An HTTP GET of the catalogue's {@code target}, or of {@code url} (inline, refused unless the
   * controller allows them); either may hold {@code ${host.name}} and {@code ${host.address}}.
   * Exactly one of the two is present.
   */
  public record HttpCheck(
      String name,
      Optional<String> target,
      Optional<String> url,
      int expectStatus,
      Duration timeout)
      implements CheckSpec {}

  /**
   * A PromQL query whose every sample must lie within [min, max]. No sample at all is INCONCLUSIVE,
   * never a pass. It asks the catalogue's {@code datasource}, or {@code url} (inline, refused
   * unless the controller allows them), or with neither the catalogue's datasource {@code default}.
   */
  public record PrometheusCheck(
      String name,
      String query,
      Optional<Double> min,
      Optional<Double> max,
      Optional<String> url,
      Optional<String> datasource)
      implements CheckSpec {}

  /**
   * A condition of the host's Kubernetes node must have this status (for example DiskPressure
   * False); a host that is not a node, or a node without that condition, is INCONCLUSIVE.
   */
  public record NodeConditionCheck(String name, String type, String status) implements CheckSpec {}

  /** {@code maxFailedHosts} per wave; one more failure halts the rollout. */
  public record Failure(int maxFailedHosts, boolean quarantine) {
    public static final Failure DEFAULT = new Failure(0, true);
  }

  /**
   * When the controller starts a rollout of this policy by itself: a Quartz cron {@code schedule}
   * in {@code timeZone}. {@code minPackageAge}: a version first seen pending less than that long
   * ago is not taken (by any rollout of the policy). {@code maxPackageAge}: a security version
   * still pending after that long raises an alert.
   */
  public record Trigger(
      String schedule,
      java.time.ZoneId timeZone,
      Duration minPackageAge,
      Optional<Duration> maxPackageAge) {
    public static final Duration DEFAULT_MIN_PACKAGE_AGE = Duration.ofDays(3);
  }

  public record Kubernetes(boolean drain, Duration drainTimeout, boolean deleteEmptyDirData) {
    public static final Kubernetes DEFAULT = new Kubernetes(false, Duration.ofMinutes(10), false);
  }
}
