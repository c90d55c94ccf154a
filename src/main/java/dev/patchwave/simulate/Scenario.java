package dev.patchwave.simulate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A what-if: a new version of one package that every selected host needs, what it does to the hosts
 * it hurts ({@link Fault}s), how long a host takes to install and to boot, and when it starts. A
 * strategy (Patchwave's policy or a baseline) rolls it out on simulated hosts; nothing touches a
 * real host.
 */
public record Scenario(
    String name, List<Fault> faults, Timing timing, Instant start, Duration horizon) {

  public Scenario {
    faults = List.copyOf(faults);
  }

  /** What the new version does. */
  public enum Effect {
    /** The host dies while the package installs. */
    PANIC_ON_INSTALL,
    /** The new kernel panics as it boots (a trial boot falls back to the old one). */
    PANIC_ON_REBOOT,
    /** The host boots, but its service fails its health check. */
    UNHEALTHY_AFTER_REBOOT,
    /** The service fails {@code after} the install (a leak, a cron job): during a soak. */
    FAIL_AFTER,
    /** The host loses its network as the install ends (a bad network driver or firewall rule). */
    NETWORK_LOST
  }

  /**
   * The version does {@code effect} to each host whose labels include {@code hosts}, with {@code
   * probability} (0 to 1); {@code after} is for {@link Effect#FAIL_AFTER}.
   */
  public record Fault(
      Effect effect, Map<String, String> hosts, double probability, Duration after) {
    public Fault {
      hosts = Map.copyOf(hosts);
      if (probability < 0 || probability > 1) {
        throw new IllegalArgumentException("probability must be from 0 to 1, found " + probability);
      }
    }

    public boolean matches(Map<String, String> labels) {
      return hosts.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
  }

  /**
   * How long things take: an install, a boot, a person's approval of a gated wave; how often a
   * rebooting host is looked at.
   */
  public record Timing(Duration install, Duration boot, Duration approval, Duration bootPoll) {
    public static final Timing DEFAULT =
        new Timing(
            Duration.ofMinutes(3),
            Duration.ofMinutes(4),
            Duration.ofHours(1),
            Duration.ofSeconds(30));
  }

  /** The first fault that hits a host with these labels, drawn with {@code random}. */
  Optional<Fault> hits(Map<String, String> labels, java.util.Random random) {
    for (Fault f : faults) {
      if (f.matches(labels) && random.nextDouble() < f.probability()) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }
}
