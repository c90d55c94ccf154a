package dev.patchwave.engine;

import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor.HostSession;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.AptPackageManager;
import dev.patchwave.patch.Command;
import dev.patchwave.patch.DnfPackageManager;
import dev.patchwave.patch.PackageManager;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PendingUpdate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The package-manager conversations that take more than one command, over one session. */
final class PackageQueries {
  private PackageQueries() {}

  private static final PackageManager APT = new AptPackageManager();
  private static final PackageManager DNF = new DnfPackageManager();

  /** The driver of {@code host}'s package manager. */
  static PackageManager driver(Host host) {
    return host.packageManager() == Host.PackageFamily.DNF ? DNF : APT;
  }

  /** Pending updates, or why they could not be listed. */
  sealed interface Listed {
    record Pending(List<PendingUpdate> updates) implements Listed {}

    record Failed(String why) implements Listed {}
  }

  static Listed pending(HostSession s, PackageManager pm) throws HostException {
    List<String> outputs = new ArrayList<>();
    for (Command c : pm.pendingQueries()) {
      CommandResult r = s.run(c);
      if (!pm.accepted(c, r.exitCode(), r.stdout(), r.stderr())) {
        return new Listed.Failed("listing updates failed: " + r.summary());
      }
      outputs.add(r.stdout());
    }
    return new Listed.Pending(pm.parsePending(outputs));
  }

  static boolean rebootNeeded(HostSession s, PackageManager pm) throws HostException {
    CommandResult r = s.run(pm.rebootProbe());
    return pm.rebootNeeded(r.exitCode(), r.stdout());
  }

  static boolean ok(PackageManager pm, Command c, CommandResult r) {
    return pm.accepted(c, r.exitCode(), r.stdout(), r.stderr());
  }

  /** Writes the quarantine block, keeping what else the host's block file holds. */
  static CommandResult writeQuarantine(
      HostSession s, PackageManager pm, Collection<PackageVersion> versions, String explanation)
      throws HostException {
    CommandResult current = s.run(pm.readQuarantine());
    String text = current.succeeded() ? current.stdout() : "";
    return s.run(pm.writeQuarantine(versions, explanation, text));
  }
}
