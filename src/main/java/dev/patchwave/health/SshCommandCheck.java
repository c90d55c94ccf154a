package dev.patchwave.health;

import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.patch.Command;
import dev.patchwave.policy.RolloutPolicy.SshCheck;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.Verdict;

/** Runs the policy's argv on the host; passes on the expected exit code. */
public final class SshCommandCheck implements HealthCheck {

  private final SshCheck spec;

  public SshCommandCheck(SshCheck spec) {
    this.spec = spec;
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public CheckResult check(Target t) {
    if (t.session().isEmpty()) {
      return new CheckResult(name(), Verdict.FAIL, "unreachable: " + t.unreachableReason());
    }
    try {
      CommandResult r =
          t.session()
              .get()
              .run(new Command(Command.Kind.HEALTH_CHECK, spec.command(), null, spec.timeout()));
      return r.exitCode() == spec.expectExit()
          ? new CheckResult(name(), Verdict.PASS, "exit " + r.exitCode())
          : new CheckResult(
              name(),
              Verdict.FAIL,
              "exit " + r.exitCode() + ", expected " + spec.expectExit() + ": " + r.summary());
    } catch (HostException.CommandTimedOut e) {
      return new CheckResult(name(), Verdict.INCONCLUSIVE, e.getMessage());
    } catch (HostException e) {
      return new CheckResult(name(), Verdict.FAIL, e.getMessage());
    }
  }
}
