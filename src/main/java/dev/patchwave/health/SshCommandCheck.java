package dev.patchwave.health;

import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.Command;
import dev.patchwave.policy.CheckCatalogue.SshCommand;
import dev.patchwave.policy.RolloutPolicy.SshCheck;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs a command on the host and passes on the expected exit status. The command is the catalogue
 * entry's (its {@code ${host.*}} words filled in) followed by the arguments the policy adds, or the
 * policy's own where the controller allows inline commands. The result carries the exit status
 * only; one sanitized line of output only where the catalogue entry opts in ({@code output}).
 */
public final class SshCommandCheck implements HealthCheck {

  private final SshCheck spec;
  private final Optional<SshCommand> entry;

  /** {@code entry}: the catalogue's command {@code spec} names, if it names one that exists. */
  public SshCommandCheck(SshCheck spec, Optional<SshCommand> entry) {
    this.spec = spec;
    this.entry = entry;
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public CheckResult check(Target t) {
    if (spec.check().isPresent() && entry.isEmpty()) {
      return new CheckResult(
          name(),
          Verdict.INCONCLUSIVE,
          "SSH check '" + spec.check().get() + "' is not in the check catalogue");
    }
    if (t.session().isEmpty()) {
      return new CheckResult(name(), Verdict.FAIL, "unreachable: " + t.unreachableReason());
    }
    try {
      CommandResult r =
          t.session()
              .get()
              .run(new Command(Command.Kind.HEALTH_CHECK, argv(t.host()), null, spec.timeout()));
      String said = entry.filter(SshCommand::output).map(e -> said(r)).orElse("");
      return r.exitCode() == spec.expectExit()
          ? new CheckResult(name(), Verdict.PASS, "exit " + r.exitCode() + said)
          : new CheckResult(
              name(),
              Verdict.FAIL,
              "exit " + r.exitCode() + ", expected " + spec.expectExit() + said);
    } catch (HostException.CommandTimedOut e) {
      return new CheckResult(name(), Verdict.INCONCLUSIVE, e.getMessage());
    } catch (HostException e) {
      return new CheckResult(name(), Verdict.FAIL, e.getMessage());
    }
  }

  List<String> argv(Host host) {
    if (entry.isEmpty()) {
      return spec.argv();
    }
    List<String> argv = new ArrayList<>();
    for (String word : entry.get().command()) {
      argv.add(Placeholders.expand(word, host, false));
    }
    argv.addAll(spec.argv());
    return argv;
  }

  /** ": " and the first line the command printed, printable ASCII only, bounded. */
  static String said(CommandResult r) {
    String text = r.stdout().isBlank() ? r.stderr() : r.stdout();
    String line = text.strip().lines().findFirst().orElse("");
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < line.length() && out.length() < SshCommand.OUTPUT_CHARS; i++) {
      char c = line.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return out.length() == 0 ? "" : ": " + out;
  }
}
