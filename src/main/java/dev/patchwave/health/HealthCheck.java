package dev.patchwave.health;

import dev.patchwave.host.HostExecutor.HostSession;
import dev.patchwave.inventory.Host;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.HostState;
import java.util.Optional;

/**
 * One health check.
 *
 * <p>Contract: blocking, bounded by the check's own timeout; never throws. {@code FAIL} means the
 * host (or its service) is wrong; {@code INCONCLUSIVE} means the check could not tell (no data, the
 * probe or Prometheus unreachable, a timeout) and never counts as a pass.
 */
public interface HealthCheck {

  String name();

  CheckResult check(Target target);

  /**
   * The host being checked, an open session to it if one could be opened, and what the rollout
   * knows of it (boot id before the reboot, the kernel it should run).
   */
  record Target(
      Host host, Optional<HostSession> session, String unreachableReason, HostState progress) {}
}
