package dev.patchwave.health;

import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.patch.Command;
import dev.patchwave.policy.RolloutPolicy.BuiltinCheck;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.Verdict;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The built-in checks: reachable, boot id changed, expected kernel, systemd running, node Ready.
 */
public final class BuiltinHealthCheck implements HealthCheck {

  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final Command BOOT_ID =
      Command.of(Command.Kind.HEALTH_CHECK, TIMEOUT, "cat", "/proc/sys/kernel/random/boot_id");
  static final Command KERNEL = Command.of(Command.Kind.HEALTH_CHECK, TIMEOUT, "uname", "-r");
  static final Command SYSTEM =
      Command.of(Command.Kind.HEALTH_CHECK, TIMEOUT, "systemctl", "is-system-running");

  private final String name;
  private final BuiltinCheck kind;
  private final NodeConditionCheck ready;

  /**
   * @param nodeConditions a Kubernetes node's conditions (empty: unknown node, or no Kubernetes)
   */
  public BuiltinHealthCheck(
      String name,
      BuiltinCheck kind,
      Function<String, Optional<Map<String, String>>> nodeConditions) {
    this.name = name;
    this.kind = kind;
    this.ready = new NodeConditionCheck(name, "Ready", "True", nodeConditions);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CheckResult check(Target t) {
    if (kind == BuiltinCheck.NODE_READY) {
      return nodeReady(t);
    }
    if (t.session().isEmpty()) {
      return new CheckResult(name, Verdict.FAIL, "unreachable: " + t.unreachableReason());
    }
    try {
      return switch (kind) {
        case REACHABLE -> pass("answers over its transport");
        case BOOT_ID_CHANGED -> bootIdChanged(t);
        case EXPECTED_KERNEL -> expectedKernel(t);
        case SYSTEM_RUNNING -> systemRunning(t);
        case NODE_READY -> nodeReady(t);
      };
    } catch (HostException e) {
      return new CheckResult(name, Verdict.FAIL, e.getMessage());
    }
  }

  private CheckResult nodeReady(Target t) {
    return ready.check(t);
  }

  private CheckResult bootIdChanged(Target t) throws HostException {
    if (!t.progress().rebootNeeded() || t.progress().bootIdBefore().isEmpty()) {
      return pass("no reboot in this rollout");
    }
    String now = t.session().get().run(BOOT_ID).stdout().strip();
    return now.equals(t.progress().bootIdBefore().get())
        ? new CheckResult(name, Verdict.FAIL, "boot id unchanged: the host did not reboot")
        : pass("boot id changed");
  }

  private CheckResult expectedKernel(Target t) throws HostException {
    if (!t.progress().rebootNeeded() || t.progress().expectedKernel().isEmpty()) {
      return pass("no new kernel expected");
    }
    String running = t.session().get().run(KERNEL).stdout().strip();
    String expected = t.progress().expectedKernel().get();
    return running.equals(expected)
        ? pass("running " + running)
        : new CheckResult(name, Verdict.FAIL, "running " + running + ", expected " + expected);
  }

  private CheckResult systemRunning(Target t) throws HostException {
    CommandResult r = t.session().get().run(SYSTEM);
    String state = r.stdout().strip();
    return state.equals("running")
        ? pass("running")
        : new CheckResult(
            name, Verdict.FAIL, "systemd says " + (state.isEmpty() ? r.summary() : state));
  }

  private CheckResult pass(String detail) {
    return new CheckResult(name, Verdict.PASS, detail);
  }
}
