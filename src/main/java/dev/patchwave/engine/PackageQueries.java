package dev.patchwave.engine;

import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor.HostSession;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.AptPackageManager;
import dev.patchwave.patch.Batch;
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

  /**
   * Lists pending updates in one round trip, with {@code before} run ahead of the listing (the
   * index refresh) and {@code after} behind it; the probe has the results of both.
   */
  static Probe pending(HostSession s, PackageManager pm, List<Command> before, List<Command> after)
      throws HostException {
    List<Command> listing = pm.pendingQueries();
    List<Command> all = new ArrayList<>(before);
    all.addAll(listing);
    all.addAll(after);
    List<CommandResult> results = s.runAll(Batch.of(Command.Kind.LIST_UPDATES, all));
    if (results.size() < all.size()) {
      CommandResult last = results.get(results.size() - 1);
      return new Probe(
          new Listed.Failed("listing updates failed: " + last.summary()), List.of(), List.of());
    }
    List<CommandResult> first = results.subList(0, before.size());
    List<String> outputs = new ArrayList<>();
    for (int i = 0; i < listing.size(); i++) {
      Command c = listing.get(i);
      CommandResult r = results.get(before.size() + i);
      if (!pm.accepted(c, r.exitCode(), r.stdout(), r.stderr())) {
        return new Probe(
            new Listed.Failed("listing updates failed: " + r.summary()), first, List.of());
      }
      outputs.add(r.stdout());
    }
    return new Probe(
        new Listed.Pending(pm.parsePending(outputs)),
        first,
        results.subList(before.size() + listing.size(), results.size()));
  }

  /**
   * The pending updates and the results of the commands that came before and after the listing
   * (empty when the batch's output was lost before them).
   */
  record Probe(Listed listed, List<CommandResult> before, List<CommandResult> after) {}

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
