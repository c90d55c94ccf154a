package dev.patchwave.engine;

import dev.patchwave.health.HealthChecker;
import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor;
import dev.patchwave.host.HostExecutor.HostSession;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.Batch;
import dev.patchwave.patch.Command;
import dev.patchwave.patch.Grub;
import dev.patchwave.patch.Grubby;
import dev.patchwave.patch.HostScan;
import dev.patchwave.patch.PackageManager;
import dev.patchwave.patch.PackageManager.InstallFailure;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PatchSet;
import dev.patchwave.patch.PendingUpdate;
import dev.patchwave.patch.Pins;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.Reason;
import dev.patchwave.rollout.RolloutScope;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.rollout.TrialBoot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Carries out one host action and reports its outcome as an {@link Observation}.
 *
 * <p>Every step is idempotent, so that a controller restarted in the middle can run it again:
 * {@link #patch} installs only what is still pending and reports what the host has; {@link #reboot}
 * reboots only if the boot id is still the one recorded before; the rest only read. Before a
 * command that changes a host, the step asks {@code mayAct} (the rollout's fence still holds and
 * the rollout still wants the step) and abandons the step if not. Blocking.
 */
public final class HostSteps {

  /** The step was abandoned because the controller may no longer act on the rollout. */
  public static final class Abandoned extends RuntimeException {
    Abandoned(String host) {
      super("step on " + host + " abandoned: this controller no longer holds the rollout");
    }
  }

  static final Duration PROBE = Duration.ofSeconds(30);
  static final Command BOOT_ID =
      Command.of(Command.Kind.PROBE, PROBE, "cat", "/proc/sys/kernel/random/boot_id");
  static final Command UNAME = Command.of(Command.Kind.PROBE, PROBE, "uname", "-r");
  static final Command REBOOT = Command.of(Command.Kind.REBOOT, PROBE, "systemctl", "reboot");
  static final Command TRUE = Command.of(Command.Kind.PROBE, PROBE, "true");

  /** The boot id and the running kernel, in one round trip. */
  static final Batch BOOTED = Batch.of(Command.Kind.PROBE, List.of(BOOT_ID, UNAME));

  /** Groups larger than this are not probed member by member before a host starts. */
  static final int MAX_PROBED_GROUP = 50;

  private final HostExecutor hosts;
  private final HealthChecker health;
  private final InventoryIndex inventory;
  private final Supplier<Pins> quarantined;
  private final ActionLog actions;
  private final Optional<NodeOperations> nodes;
  private final PackageAges ages;
  private final java.time.Clock clock;
  private final PowerCycles power;

  /** Where host steps put on record what they did to a host (the audit log). */
  @FunctionalInterface
  public interface ActionLog {
    void record(String action, String host, boolean succeeded, String detail);
  }

  public HostSteps(
      HostExecutor hosts,
      HealthChecker health,
      Supplier<List<Host>> inventory,
      Supplier<Pins> quarantined,
      ActionLog actions,
      Optional<NodeOperations> nodes,
      PackageAges ages,
      java.time.Clock clock) {
    this(hosts, health, inventory, quarantined, actions, nodes, ages, clock, PowerCycles.NONE);
  }

  public HostSteps(
      HostExecutor hosts,
      HealthChecker health,
      Supplier<List<Host>> inventory,
      Supplier<Pins> quarantined,
      ActionLog actions,
      Optional<NodeOperations> nodes,
      PackageAges ages,
      java.time.Clock clock,
      PowerCycles power) {
    this.power = power;
    this.ages = ages;
    this.clock = clock;
    this.actions = actions;
    this.nodes = nodes;
    this.hosts = hosts;
    this.health = health;
    this.inventory = new InventoryIndex(inventory);
    this.quarantined = quarantined;
  }

  /**
   * When versions were first seen pending (the minimum package age is measured from there), as the
   * scans keep it; a survey notes what it sees too.
   */
  public interface PackageAges {
    Map<PackageVersion, Instant> firstSeen(Collection<PackageVersion> versions);

    void seen(String host, List<PendingUpdate> pending, Instant at);
  }

  /** What one host needs, as read by {@link #needs}: the versions, or why they are unknown. */
  public sealed interface Needs {
    /**
     * The in-scope versions the host would install, dependencies included; {@code heldBack}: in the
     * policy's packages, pending, but not taken by this rollout (too young, not scheduled).
     */
    record Versions(List<PackageVersion> versions, List<PackageVersion> heldBack) implements Needs {
      public Versions(List<PackageVersion> versions) {
        this(versions, List.of());
      }
    }

    /** The host could not be read. */
    record Unknown(Reason reason, String detail) implements Needs {}
  }

  /**
   * Reads what the host needs: its pending updates that the policy takes (origin, include,
   * exclude), without quarantined versions, with the versions installing them would bring along.
   * Read-only (the index refresh aside).
   */
  public Needs needs(RolloutState rollout, String name) {
    RolloutPolicy.Packages packages = rollout.policy().spec().packages();
    Pins pins = quarantined.get();
    Set<PackageVersion> blocked = rollout.scope().blocking(pins.active());
    Optional<Host> host = find(name);
    if (host.isEmpty()) {
      return new Needs.Unknown(Reason.HOST_GONE, "not in the inventory");
    }
    try (HostSession s = hosts.open(host.get())) {
      PackageManager pm = manager(host.get());
      Optional<String> unpinned = unpinProving(s, pm, rollout, name, pins);
      if (unpinned.isPresent()) {
        return new Needs.Unknown(Reason.SURVEY_FAILED, unpinned.get());
      }
      // the refresh's outcome does not matter here: a stale index still lists what it knows
      PackageQueries.Listed listed =
          PackageQueries.pending(s, pm, List.of(pm.refreshIndex()), List.of()).listed();
      if (listed instanceof PackageQueries.Listed.Failed f) {
        return new Needs.Unknown(Reason.SURVEY_FAILED, f.why());
      }
      List<PendingUpdate> pending = ((PackageQueries.Listed.Pending) listed).updates();
      ages.seen(name, pending, clock.instant());
      RolloutScope scope = rollout.scope();
      List<PackageVersion> inPolicy =
          pending.stream()
              .filter(u -> packages.origin() == RolloutPolicy.PackageOrigin.ALL || u.security())
              .filter(u -> packages.selects(u.name()) && scope.wants(u.name()))
              .map(PendingUpdate::candidateVersion)
              .filter(v -> !blocked.contains(v))
              .toList();
      Map<PackageVersion, Instant> seen = ages.firstSeen(inPolicy);
      List<PackageVersion> wanted = new ArrayList<>();
      List<PackageVersion> heldBack = new ArrayList<>();
      for (PackageVersion v : inPolicy) {
        boolean admitted = scope.admits(v, Optional.ofNullable(seen.get(v)), rollout.startedAt());
        (admitted ? wanted : heldBack).add(v);
      }
      if (wanted.isEmpty()) {
        return new Needs.Versions(List.of(), heldBack);
      }
      Command simulate = pm.simulateInstall(wanted);
      CommandResult simulated = s.run(simulate);
      if (!PackageQueries.ok(pm, simulate, simulated)) {
        return new Needs.Unknown(
            Reason.SURVEY_FAILED, "simulating the install failed: " + simulated.summary());
      }
      List<PackageVersion> brought =
          pm.parseSimulation(simulated.stdout()).stream()
              .filter(v -> !blocked.contains(v))
              .sorted()
              .toList();
      Map<PackageVersion, Instant> broughtSeen = ages.firstSeen(brought);
      List<PackageVersion> outside =
          brought.stream()
              .filter(
                  v ->
                      !wanted.contains(v)
                          && !scope.admits(
                              v, Optional.ofNullable(broughtSeen.get(v)), rollout.startedAt()))
              .toList();
      if (!outside.isEmpty()) {
        return new Needs.Unknown(
            Reason.OUT_OF_SCOPE,
            "installing "
                + join(wanted)
                + " would bring "
                + join(outside)
                + (scope.describe().isEmpty() ? "" : " (" + scope.describe() + ")"));
      }
      return new Needs.Versions(brought, heldBack);
    } catch (HostException.HostKeyRejected e) {
      return new Needs.Unknown(Reason.HOST_KEY_REJECTED, e.getMessage());
    } catch (HostException e) {
      return new Needs.Unknown(Reason.HOST_UNREACHABLE, e.getMessage());
    }
  }

  /**
   * Checks that the host and the other members of its redundancy groups answer, and records the
   * host's boot id.
   */
  public Observation prepare(RolloutState rollout, String name, BooleanSupplier mayAct) {
    Optional<Host> host = find(name);
    if (host.isEmpty()) {
      return new Observation.HostGone(name);
    }
    Optional<String> down = downMember(rollout, host.get());
    if (down.isPresent()) {
      return new Observation.HostBlocked(name, down.get());
    }
    String bootId;
    try (HostSession s = hosts.open(host.get())) {
      bootId = s.run(BOOT_ID).stdout().strip();
    } catch (HostException.HostKeyRejected e) {
      return new Observation.HostStepFailed(name, Reason.HOST_KEY_REJECTED, e.getMessage(), false);
    } catch (HostException e) {
      return new Observation.HostStepFailed(name, Reason.HOST_UNREACHABLE, e.getMessage(), true);
    }
    RolloutPolicy.Kubernetes k = rollout.policy().spec().kubernetes();
    if (k.drain() && host.get().kubernetesNode().isPresent()) {
      if (nodes.isEmpty()) {
        return failed(
            name,
            Reason.DRAIN_FAILED,
            "the policy drains nodes, but Kubernetes is off (patchwave.kubernetes.enabled)",
            false);
      }
      return new Observation.DrainNeeded(name, bootId);
    }
    return new Observation.HostPrepared(name, bootId);
  }

  /**
   * One pass of draining the host's node (cordon, evictions); returns at once with where the drain
   * stands: {@code NodeDrained}, {@code DrainPending} (look again later), a failure once {@code
   * deadline} has passed with pods left, or {@code HostGone} if the node left the cluster.
   */
  public Observation drain(
      RolloutState rollout, String name, Instant deadline, BooleanSupplier mayAct) {
    Optional<Host> host = find(name);
    if (host.isEmpty() || host.get().kubernetesNode().isEmpty()) {
      return new Observation.HostGone(name);
    }
    if (nodes.isEmpty()) {
      return failed(
          name,
          Reason.DRAIN_FAILED,
          "the policy drains nodes, but Kubernetes is off (patchwave.kubernetes.enabled)",
          false);
    }
    String node = host.get().kubernetesNode().get();
    RolloutPolicy.Kubernetes k = rollout.policy().spec().kubernetes();
    NodeOperations.DrainResult r =
        nodes.get().drainOnce(node, rollout.id(), deadline, k.deleteEmptyDirData(), mayAct);
    if (r instanceof NodeOperations.NodeGone) {
      return new Observation.HostGone(name);
    }
    if (r instanceof NodeOperations.DrainFailed f) {
      actions.record("host.drain", name, false, "rollout " + rollout.id() + ": " + f.why());
      return failed(name, Reason.DRAIN_FAILED, f.why(), false);
    }
    if (r instanceof NodeOperations.Draining d) {
      return new Observation.DrainPending(name, d.waitingFor(), d.lookAgainIn());
    }
    NodeOperations.Drained d = (NodeOperations.Drained) r;
    String detail =
        "node "
            + node
            + (d.cordonedByUs() ? " cordoned and drained" : " (already cordoned) drained");
    actions.record("host.drain", name, true, "rollout " + rollout.id() + ": " + detail);
    return new Observation.NodeDrained(name, detail);
  }

  /** Uncordons the host's node if Patchwave cordoned it; nothing for other hosts. */
  public void uncordon(RolloutState rollout, String name) {
    Optional<Host> host = find(name);
    if (host.isEmpty() || host.get().kubernetesNode().isEmpty() || nodes.isEmpty()) {
      return;
    }
    if (nodes.get().uncordonIfOurs(host.get().kubernetesNode().get(), rollout.id())) {
      actions.record("host.uncordon", name, true, "rollout " + rollout.id());
    }
  }

  /** Installs the patch set's versions the host has pending; reports what the host has now. */
  public Observation patch(
      RolloutState rollout, String name, PatchSet set, BooleanSupplier mayAct) {
    Optional<Host> host = find(name);
    if (host.isEmpty()) {
      return new Observation.HostGone(name);
    }
    PackageManager pm = manager(host.get());
    Set<String> names = set.byName().keySet();
    Pins pins = quarantined.get();
    try (HostSession s = hosts.open(host.get())) {
      Optional<String> unpinned = unpinProving(s, pm, rollout, name, pins);
      if (unpinned.isPresent()) {
        return failed(name, Reason.INSTALL_FAILED, unpinned.get(), true);
      }
      // round trip 1: what is pending, and which versions of the set's packages are offered
      PackageQueries.Probe probe =
          PackageQueries.pending(
              s, pm, List.of(), names.isEmpty() ? List.of() : List.of(pm.availableVersions(names)));
      if (probe.listed() instanceof PackageQueries.Listed.Failed f) {
        return failed(name, Reason.INSTALL_FAILED, f.why(), false);
      }
      List<PendingUpdate> pending =
          ((PackageQueries.Listed.Pending) probe.listed())
              .updates().stream().filter(u -> names.contains(u.name())).toList();
      Map<String, Set<String>> offered =
          names.isEmpty() ? Map.of() : pm.parseAvailableVersions(probe.after().get(0).stdout());
      PatchSet.Selection selection = set.select(pending, offered);
      if (!selection.unavailable().isEmpty()) {
        return failed(
            name,
            Reason.VERSION_UNAVAILABLE,
            "the patch set's version is not offered: " + join(selection.unavailable()),
            false);
      }
      // read again, just before the install: a version quarantined during the probe is left out
      Set<PackageVersion> blocked = rollout.scope().blocking(quarantined.get().active());
      List<PackageVersion> install =
          selection.install().stream().filter(v -> !blocked.contains(v)).toList();
      List<Command> report = List.of(pm.queryInstalled(names), pm.rebootProbe(), pm.nextKernel());
      List<CommandResult> after;
      if (install.isEmpty()) {
        after = s.runAll(Batch.of(Command.Kind.QUERY_INSTALLED, report));
      } else {
        Outcome installed = install(s, pm, rollout, name, set, install, report, mayAct);
        if (installed.failure() != null) {
          return installed.failure();
        }
        after = installed.report();
      }
      if (after.size() < report.size()) {
        // the install may have happened; the step is idempotent: run it again
        return failed(
            name,
            Reason.INSTALL_FAILED,
            "the host's answer was lost: " + after.get(after.size() - 1).summary(),
            true);
      }
      Map<String, String> now = pm.parseInstalled(after.get(0).stdout());
      List<PackageVersion> present =
          now.entrySet().stream()
              .map(e -> new PackageVersion(e.getKey(), e.getValue()))
              .filter(set::contains)
              .toList();
      boolean reboot = pm.rebootNeeded(after.get(1).exitCode(), after.get(1).stdout());
      Optional<String> kernel = pm.parseNextKernel(after.get(2).stdout());
      return new Observation.HostPatched(name, present, reboot, kernel);
    } catch (HostException.HostKeyRejected e) {
      return failed(name, Reason.HOST_KEY_REJECTED, e.getMessage(), false);
    } catch (HostException.ConnectionLost e) {
      return failed(
          name,
          Reason.INSTALL_FAILED,
          "connection lost while installing: " + e.getMessage(),
          false);
    } catch (HostException e) {
      return failed(name, Reason.HOST_UNREACHABLE, e.getMessage(), true);
    }
  }

  /** How an install went: a failure to report, or the results of the report commands. */
  private record Outcome(Observation failure, List<CommandResult> report) {}

  /**
   * Simulates installing {@code install}, refuses if that would bring a version outside the patch
   * set, installs, and runs {@code report}. Where the driver can check a simulation on the host
   * (apt), all of it is one round trip, with the check between the simulation and the install;
   * otherwise the simulation is checked here first and the rest is one round trip.
   */
  private Outcome install(
      HostSession s,
      PackageManager pm,
      RolloutState rollout,
      String name,
      PatchSet set,
      List<PackageVersion> install,
      List<Command> report,
      BooleanSupplier mayAct)
      throws HostException {
    if (!mayAct.getAsBoolean()) {
      throw new Abandoned(name);
    }
    Command simulate = pm.simulateInstall(install);
    Command installing = pm.install(install);
    Optional<Batch.Step> guard = pm.installGuard(set.packages());
    List<Batch.Step> steps = new ArrayList<>();
    CommandResult simulated = null;
    if (guard.isPresent()) {
      steps.add(new Batch.Run(simulate));
      steps.add(guard.get());
    } else {
      simulated = s.run(simulate);
      Observation refused = refusal(pm, name, set, simulate, simulated);
      if (refused != null) {
        return new Outcome(refused, List.of());
      }
      if (!mayAct.getAsBoolean()) {
        throw new Abandoned(name);
      }
    }
    steps.add(new Batch.Run(installing));
    report.forEach(c -> steps.add(new Batch.Run(c)));
    List<CommandResult> results = s.runAll(new Batch(Command.Kind.INSTALL, steps));
    int at = 0;
    if (guard.isPresent()) {
      simulated = results.get(0);
      Observation refused = refusal(pm, name, set, simulate, simulated);
      if (refused == null && (results.size() < 2 || !results.get(1).succeeded())) {
        // the host's check is stricter than the parser: a line it could not read
        refused =
            failed(
                name,
                Reason.VERSION_UNAVAILABLE,
                "installing would also bring what the patch set does not hold: "
                    + (results.size() < 2 ? "" : results.get(1).summary()),
                false);
      }
      if (refused != null) {
        return new Outcome(refused, List.of());
      }
      at = 2;
    }
    if (results.size() <= at) {
      return new Outcome(
          failed(
              name,
              Reason.INSTALL_FAILED,
              "the host's answer was lost: " + results.get(results.size() - 1).summary(),
              true),
          List.of());
    }
    CommandResult installed = results.get(at);
    boolean done = PackageQueries.ok(pm, installing, installed);
    actions.record(
        "host.install",
        name,
        done,
        "rollout "
            + rollout.id()
            + ": "
            + join(install)
            + (done ? "" : ": " + installed.summary()));
    if (!done) {
      InstallFailure why = pm.classifyFailure(installed.exitCode(), installed.stderr());
      return new Outcome(
          switch (why) {
            case LOCKED -> failed(name, Reason.DPKG_LOCKED, installed.summary(), true);
            case VERSION_UNAVAILABLE ->
                failed(name, Reason.VERSION_UNAVAILABLE, installed.summary(), false);
            case FAILED -> failed(name, Reason.INSTALL_FAILED, installed.summary(), false);
          },
          List.of());
    }
    return new Outcome(null, results.subList(at + 1, results.size()));
  }

  /** Why a simulated install must not go ahead; null when it may. */
  private static Observation refusal(
      PackageManager pm, String name, PatchSet set, Command simulate, CommandResult simulated) {
    if (!PackageQueries.ok(pm, simulate, simulated)) {
      return failed(name, Reason.VERSION_UNAVAILABLE, simulated.summary(), false);
    }
    List<PackageVersion> outside =
        pm.parseSimulation(simulated.stdout()).stream().filter(v -> !set.contains(v)).toList();
    if (!outside.isEmpty()) {
      return failed(
          name,
          Reason.VERSION_UNAVAILABLE,
          "installing would also bring versions outside the patch set: " + join(outside),
          false);
    }
    return null;
  }

  /**
   * Reboots the host unless it already did (its boot id differs from {@code bootIdBefore}). Returns
   * at once: {@code RebootIssued} once the reboot is given (or the host is already down), {@code
   * HostRebooted} if it is back already. The wait is {@link #awaitBoot}, one look at a time.
   *
   * <p>A reboot into a new kernel is a trial boot where the policy wants one (ADR 17): the first
   * call sets GRUB up (the running kernel stays the saved default, the new one boots once, {@code
   * panic=} on its command line) and answers {@code TrialDecided} without rebooting, so that the
   * trial is on record before the host goes down; the next call reboots. A host that cannot boot on
   * trial answers {@code TrialDecided} with why, and is rebooted plainly by the next call.
   */
  public Observation reboot(
      RolloutState rollout, String name, String bootIdBefore, BooleanSupplier mayAct) {
    Optional<Host> host = find(name);
    if (host.isEmpty()) {
      return new Observation.HostGone(name);
    }
    HostState progress = rollout.host(name);
    try (HostSession s = hosts.open(host.get())) {
      List<CommandResult> now = s.runAll(BOOTED);
      String bootId = now.get(0).stdout().strip();
      if (!bootId.equals(bootIdBefore)) {
        return new Observation.HostRebooted(name, bootId, kernel(now));
      }
      RolloutPolicy.Reboot policy = rollout.reboot();
      if (progress != null
          && progress.trial().isEmpty()
          && policy.trial()
          && progress.expectedKernel().filter(k -> !k.equals(kernel(now))).isPresent()) {
        return trial(s, rollout, host.get(), progress, kernel(now), mayAct);
      }
      if (!mayAct.getAsBoolean()) {
        throw new Abandoned(name);
      }
      if (progress != null && progress.trialAt(TrialBoot.Stage.ARMED)) {
        // GRUB forgets the once-only entry when it boots it; there was no boot since, but set it
        // again so that a reboot never starts the old kernel by mistake (a false fallback)
        TrialBoot t = progress.trial().get();
        boolean dnf = host.get().packageManager() == Host.PackageFamily.DNF;
        CommandResult once =
            s.run(
                dnf
                    ? Grubby.bootOnce(t.toEntry())
                    : Grub.bootOnce(new Grub.Entry(t.toEntry(), "", t.toKernel())));
        if (!once.succeeded()) {
          return failed(
              name,
              Reason.TRIAL_BOOT_FAILED,
              (dnf ? "grub2-reboot: " : "grub-reboot: ") + once.summary(),
              true);
        }
      }
      actions.record(
          "host.reboot", name, true, "rollout " + rollout.id() + ": boot id " + bootIdBefore);
      try {
        s.run(REBOOT);
      } catch (HostException.ConnectionLost | HostException.Unreachable expected) {
        // the host went down under the command: that is the reboot
      }
    } catch (HostException.HostKeyRejected e) {
      return failed(name, Reason.HOST_KEY_REJECTED, e.getMessage(), false);
    } catch (HostException e) {
      // unreachable: it is already going down or coming up; the looks that follow will tell
    }
    return new Observation.RebootIssued(name);
  }

  /**
   * Sets GRUB up for a trial boot of {@code progress}'s expected kernel, or says why the host
   * cannot have one (then GRUB is left as it was found). Reboots nothing.
   */
  private Observation trial(
      HostSession s,
      RolloutState rollout,
      Host host,
      HostState progress,
      String running,
      BooleanSupplier mayAct)
      throws HostException {
    String name = host.name();
    String next = progress.expectedKernel().orElseThrow();
    if (host.packageManager() == Host.PackageFamily.DNF) {
      return trialGrubby(s, rollout, name, running, next, mayAct);
    }
    Optional<Observation> unable = trialUnable(s, name, Grub.SCAN, Grub::support, mayAct);
    if (unable.isPresent()) {
      return unable.get();
    }
    RolloutPolicy.Reboot policy = rollout.reboot();
    CommandResult wrote = s.run(Grub.writeDropIn(policy.panicTimeout(), policy.panicOnHang()));
    if (!wrote.succeeded()) {
      return untried(s, rollout, name, "writing " + Grub.DROP_IN + " failed: " + wrote.summary());
    }
    List<CommandResult> menu =
        s.runAll(Batch.of(Command.Kind.BOOT_CONFIG, List.of(Grub.update(), Grub.readMenu())));
    if (menu.size() < 2 || !menu.get(0).succeeded() || !menu.get(1).succeeded()) {
      return untried(
          s,
          rollout,
          name,
          "update-grub or reading its menu failed: " + menu.get(menu.size() - 1).summary());
    }
    List<Grub.Entry> entries = Grub.entries(menu.get(1).stdout());
    Optional<Grub.Entry> from = Grub.exactEntryFor(entries, running);
    Optional<Grub.Entry> to = Grub.exactEntryFor(entries, next);
    if (from.isEmpty() || to.isEmpty()) {
      return untried(
          s,
          rollout,
          name,
          Grub.GRUB_CFG
              + " has no entry for kernel "
              + (from.isEmpty() ? running : next)
              + " ("
              + entries.size()
              + " kernel entries)");
    }
    List<CommandResult> set =
        s.runAll(
            Batch.of(
                Command.Kind.BOOT_CONFIG,
                List.of(Grub.setDefault(from.get()), Grub.bootOnce(to.get()))));
    if (set.size() < 2 || !set.get(0).succeeded() || !set.get(1).succeeded()) {
      return untried(
          s,
          rollout,
          name,
          "grub-set-default or grub-reboot failed: " + set.get(set.size() - 1).summary());
    }
    String detail =
        "kernel "
            + next
            + " boots once; "
            + running
            + " stays the default (panic="
            + policy.panicTimeout().toSeconds()
            + (policy.panicOnHang() ? ", panic on hang" : "")
            + ")";
    actions.record("host.trial-boot", name, true, "rollout " + rollout.id() + ": " + detail);
    return new Observation.TrialDecided(
        name, TrialBoot.armed(running, next, to.get().id(), detail));
  }

  /** How a boot loader's probes' exit codes say whether it can boot on trial. */
  @FunctionalInterface
  private interface TrialSupport {
    HostScan.BootTrial of(int envExit, int toolExit, int writableExit);
  }

  /**
   * Runs a boot loader's trial probes ({@code scan}); the observation to answer if the host cannot
   * have a trial (or its answer was lost), empty if the set-up may go on.
   */
  private Optional<Observation> trialUnable(
      HostSession s, String name, List<Command> scan, TrialSupport support, BooleanSupplier mayAct)
      throws HostException {
    List<CommandResult> probe = s.runAll(Batch.of(Command.Kind.PROBE, scan));
    if (probe.size() < scan.size()) {
      return Optional.of(
          failed(name, Reason.TRIAL_BOOT_FAILED, "the host's answer was lost", true));
    }
    HostScan.BootTrial can =
        support.of(probe.get(0).exitCode(), probe.get(1).exitCode(), probe.get(2).exitCode());
    if (!can.supported()) {
      return Optional.of(new Observation.TrialDecided(name, TrialBoot.unavailable(can.why())));
    }
    if (!mayAct.getAsBoolean()) {
      throw new Abandoned(name);
    }
    return Optional.empty();
  }

  /**
   * {@link #trial} on a dnf host (grubby, Boot Loader Specification entries): the new kernel's
   * entry alone gets the panic arguments, the running kernel is made the default again
   * (kernel-install made the new one the default), and the new entry is booted once.
   */
  private Observation trialGrubby(
      HostSession s,
      RolloutState rollout,
      String name,
      String running,
      String next,
      BooleanSupplier mayAct)
      throws HostException {
    Optional<Observation> unable = trialUnable(s, name, Grubby.SCAN, Grubby::support, mayAct);
    if (unable.isPresent()) {
      return unable.get();
    }
    RolloutPolicy.Reboot policy = rollout.reboot();
    List<CommandResult> set =
        s.runAll(
            Batch.of(
                Command.Kind.BOOT_CONFIG,
                List.of(
                    Grubby.armArgs(next, policy.panicTimeout(), policy.panicOnHang()),
                    Grubby.setDefault(running),
                    Grubby.info(next))));
    if (set.size() < 3 || !set.stream().allMatch(CommandResult::succeeded)) {
      return untriedGrubby(
          s,
          rollout,
          name,
          next,
          "grubby could not set the trial up: " + set.get(set.size() - 1).summary());
    }
    Optional<String> entry = Grubby.entryId(set.get(2).stdout());
    if (entry.isEmpty()) {
      return untriedGrubby(
          s, rollout, name, next, "grubby --info names no entry id for kernel " + next);
    }
    CommandResult once = s.run(Grubby.bootOnce(entry.get()));
    if (!once.succeeded()) {
      return untriedGrubby(s, rollout, name, next, "grub2-reboot failed: " + once.summary());
    }
    String detail =
        "kernel "
            + next
            + " boots once; "
            + running
            + " stays the default ("
            + Grubby.trialArgs(policy.panicTimeout(), policy.panicOnHang())
            + " on the new kernel's entry)";
    actions.record("host.trial-boot", name, true, "rollout " + rollout.id() + ": " + detail);
    return new Observation.TrialDecided(name, TrialBoot.armed(running, next, entry.get(), detail));
  }

  /**
   * Takes a grubby trial's settings away again: the new kernel's entry loses the panic arguments
   * and is the default again, as kernel-install left it; the host is rebooted plainly.
   */
  private Observation untriedGrubby(
      HostSession s, RolloutState rollout, String name, String next, String why)
      throws HostException {
    List<CommandResult> undone =
        s.runAll(
            Batch.of(
                Command.Kind.BOOT_CONFIG, List.of(Grubby.keepArgs(next), Grubby.setDefault(next))));
    boolean clean = undone.size() == 2 && undone.stream().allMatch(CommandResult::succeeded);
    actions.record("host.trial-boot", name, false, "rollout " + rollout.id() + ": " + why);
    return new Observation.TrialDecided(
        name,
        TrialBoot.unavailable(
            why
                + (clean
                    ? ""
                    : "; undoing it failed: " + undone.get(undone.size() - 1).summary())));
  }

  /** Takes the trial's settings away again: the host is rebooted plainly, and says why. */
  private Observation untried(HostSession s, RolloutState rollout, String name, String why)
      throws HostException {
    List<CommandResult> undone =
        s.runAll(Batch.of(Command.Kind.BOOT_CONFIG, List.of(Grub.removeDropIn(), Grub.update())));
    boolean clean = undone.size() == 2 && undone.get(1).succeeded();
    actions.record("host.trial-boot", name, false, "rollout " + rollout.id() + ": " + why);
    return new Observation.TrialDecided(
        name,
        TrialBoot.unavailable(
            why + (clean ? "" : "; removing the drop-in failed: " + undone.get(0).summary())));
  }

  /**
   * Makes the trial's new kernel the default (the host passed its health gate on it) and takes the
   * trial's settings away: the drop-in is removed and the menu generated again. Idempotent.
   */
  public Observation keepKernel(
      RolloutState rollout, String name, String toEntry, String toKernel, BooleanSupplier mayAct) {
    Optional<Host> host = find(name);
    if (host.isEmpty()) {
      return new Observation.HostGone(name);
    }
    try (HostSession s = hosts.open(host.get())) {
      String running = kernel(s.runAll(BOOTED));
      if (!running.equals(toKernel)) {
        return failed(
            name,
            Reason.KERNEL_FELL_BACK,
            "runs " + running + ", not " + toKernel + ": it rebooted into the old kernel",
            false);
      }
      if (!mayAct.getAsBoolean()) {
        throw new Abandoned(name);
      }
      boolean dnf = host.get().packageManager() == Host.PackageFamily.DNF;
      List<Command> keep =
          dnf
              ? List.of(Grubby.keepArgs(toKernel), Grubby.setDefault(toKernel))
              : List.of(
                  Grub.removeDropIn(),
                  Grub.update(),
                  Grub.setDefault(new Grub.Entry(toEntry, "", toKernel)));
      List<CommandResult> done = s.runAll(Batch.of(Command.Kind.BOOT_CONFIG, keep));
      boolean ok = done.size() == keep.size() && done.stream().allMatch(CommandResult::succeeded);
      String detail =
          "kernel "
              + toKernel
              + " is the default; "
              + (dnf ? "its trial arguments are removed" : "the trial's drop-in is removed");
      actions.record(
          "host.boot-default",
          name,
          ok,
          "rollout " + rollout.id() + ": " + (ok ? detail : done.get(done.size() - 1).summary()));
      if (!ok) {
        return failed(name, Reason.KEEP_KERNEL_FAILED, done.get(done.size() - 1).summary(), true);
      }
      return new Observation.KernelKept(name, detail);
    } catch (HostException.HostKeyRejected e) {
      return failed(name, Reason.HOST_KEY_REJECTED, e.getMessage(), false);
    } catch (HostException e) {
      return failed(name, Reason.KEEP_KERNEL_FAILED, e.getMessage(), true);
    }
  }

  /**
   * Power-cycles the host through its BMC (it did not come back in time), within the guards of
   * {@link PowerCycles}.
   */
  public Observation powerCycle(RolloutState rollout, String name, BooleanSupplier mayAct) {
    Optional<Host> host = find(name);
    if (host.isEmpty()) {
      return new Observation.HostGone(name);
    }
    return power.cycle(rollout, host.get(), mayAct);
  }

  /** Looks once whether the host answers with a boot id other than {@code bootIdBefore}. */
  public Observation awaitBoot(String name, String bootIdBefore) {
    Optional<Host> host = find(name);
    if (host.isEmpty()) {
      return new Observation.HostGone(name);
    }
    try (HostSession s = hosts.open(host.get())) {
      List<CommandResult> now = s.runAll(BOOTED);
      String bootId = now.get(0).stdout().strip();
      if (!bootId.isEmpty() && !bootId.equals(bootIdBefore)) {
        return new Observation.HostRebooted(name, bootId, kernel(now));
      }
      return new Observation.StillBooting(name, "answers with the boot id from before");
    } catch (HostException.HostKeyRejected e) {
      return failed(name, Reason.HOST_KEY_REJECTED, e.getMessage(), false);
    } catch (HostException e) {
      return new Observation.StillBooting(name, "does not answer: " + e.getClass().getSimpleName());
    }
  }

  /** Runs the policy's health checks once. */
  public Observation health(RolloutState rollout, String name) {
    Optional<Host> host = find(name);
    if (host.isEmpty()) {
      return new Observation.HostGone(name);
    }
    HostState progress = rollout.host(name);
    return new Observation.HealthReport(name, health.run(rollout.policy(), host.get(), progress));
  }

  /**
   * On a host of a rollout that proves quarantined suspects, writes the host's pins (without the
   * versions proven there) before the package manager is asked what it offers; empty when done or
   * not needed, else why it failed. Idempotent, and the same file every pin writer writes there.
   */
  private Optional<String> unpinProving(
      HostSession s, PackageManager pm, RolloutState rollout, String name, Pins pins)
      throws HostException {
    if (!rollout.scope().provesSuspects()) {
      return Optional.empty();
    }
    if (!pins.proving().getOrDefault(name, Set.of()).containsAll(rollout.scope().proving())) {
      return Optional.of(
          "no culprit isolation proves "
              + join(rollout.scope().proving())
              + " on this host now; its pins stay as they are");
    }
    List<PackageVersion> versions = pins.on(name);
    CommandResult r =
        PackageQueries.writeQuarantine(
            s, pm, versions, "patchwave quarantine (proving suspects on this host)");
    actions.record(
        "host.pin",
        name,
        r.succeeded(),
        "rollout "
            + rollout.id()
            + " proves "
            + join(rollout.scope().proving())
            + "; blocked: "
            + (versions.isEmpty() ? "none" : join(versions))
            + (r.succeeded() ? "" : ": " + r.summary()));
    return r.succeeded()
        ? Optional.empty()
        : Optional.of("writing the pins for the proof failed: " + r.summary());
  }

  /**
   * Writes the quarantine pins to every host that answers (each host's own: {@link Pins#on});
   * returns the hosts it missed.
   */
  public List<String> writePins(String explanation) {
    return writePins(explanation, Optional.empty());
  }

  /** {@link #writePins(String)}, to host {@code only} alone if given. */
  public List<String> writePins(String explanation, Optional<String> only) {
    Pins pins = quarantined.get();
    List<String> missed = new ArrayList<>();
    for (Host h : inventory.hosts()) {
      if (only.isPresent() && !only.get().equals(h.name())) {
        continue;
      }
      List<PackageVersion> versions = pins.on(h.name());
      try (HostSession s = hosts.open(h)) {
        CommandResult r = PackageQueries.writeQuarantine(s, manager(h), versions, explanation);
        actions.record(
            "host.pin",
            h.name(),
            r.succeeded(),
            "blocked: "
                + (versions.isEmpty() ? "none" : join(versions))
                + (r.succeeded() ? "" : ": " + r.summary()));
        if (!r.succeeded()) {
          missed.add(h.name() + " (" + r.summary() + ")");
        }
      } catch (HostException e) {
        actions.record("host.pin", h.name(), false, "unreachable: " + e.getClass().getSimpleName());
        missed.add(h.name() + " (" + e.getClass().getSimpleName() + ")");
      }
    }
    return missed;
  }

  private Optional<String> downMember(RolloutState rollout, Host host) {
    List<String> groupBy = rollout.policy().spec().disruption().groupBy();
    for (String key : groupBy) {
      String value = host.labels().get(key);
      if (value == null) {
        continue;
      }
      List<Host> members =
          inventory.withLabel(key, value).stream()
              .filter(h -> !h.name().equals(host.name()))
              .toList();
      if (members.size() > MAX_PROBED_GROUP) {
        continue;
      }
      for (Host m : members) {
        HostState inRollout = rollout.host(m.name());
        if (inRollout != null && inRollout.phase().isInFlight()) {
          continue; // counted by the disruption limits already
        }
        try (HostSession s = hosts.open(m)) {
          s.run(TRUE);
        } catch (HostException e) {
          return Optional.of(key + "=" + value + ": " + m.name() + " does not answer");
        }
      }
    }
    return Optional.empty();
  }

  /** The running kernel from {@link #BOOTED}'s results (empty if its output was lost). */
  private static String kernel(List<CommandResult> booted) {
    return booted.size() < 2 ? "" : booted.get(1).stdout().strip();
  }

  private static PackageManager manager(Host host) {
    return PackageQueries.driver(host);
  }

  private Optional<Host> find(String name) {
    return inventory.host(name);
  }

  private static Observation failed(String host, Reason why, String detail, boolean retry) {
    return new Observation.HostStepFailed(host, why, detail, retry);
  }

  private static String join(Collection<PackageVersion> versions) {
    return versions.stream().map(PackageVersion::pinned).collect(Collectors.joining(" "));
  }
}
