package dev.patchwave.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.patchwave.health.HealthChecker;
import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor;
import dev.patchwave.host.redfish.RedfishPower;
import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.host.simulated.SimulatedHostExecutor;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.Command;
import dev.patchwave.patch.Grub;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PatchSet;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.CheckCatalogue;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.Action;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.Decision;
import dev.patchwave.rollout.HostPhase;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.Observations;
import dev.patchwave.rollout.Reason;
import dev.patchwave.rollout.RolloutMachine;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.rollout.TrialBoot;
import dev.patchwave.rollout.Verdict;
import dev.patchwave.testing.ManualClock;
import dev.patchwave.testing.RedfishServer;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trial boot's host steps ({@link HostSteps#reboot}, {@link HostSteps#keepKernel}) driven by
 * the state machine against an emulated host's GRUB: set up before the reboot and on record, a good
 * kernel kept only after the gate, a bad one falling back, and a host whose GRUB refuses left as it
 * was found and rebooted plainly.
 */
class RebootStepsTest {

  static final PackageVersion GOOD = new PackageVersion("linux-image-generic", "6.8.0-49.49");
  static final PatchSet PATCH_SET = new PatchSet(new java.util.TreeSet<>(Set.of(GOOD)));

  final ManualClock clock = new ManualClock(Instant.parse("2026-12-04T01:00:00Z"));
  final SimulatedHostExecutor simulated = new SimulatedHostExecutor(clock, Duration.ofSeconds(20));
  final List<String> audit = new ArrayList<>();

  static Host host(boolean panics) {
    return host(panics ? Host.FaultEffect.PANIC_ON_REBOOT : null, Optional.empty());
  }

  static Host host(Host.FaultEffect fault, Optional<Host.Bmc> bmc) {
    return new Host(
        "kafka-a-1",
        "kafka-a-1",
        22,
        Host.Transport.SIMULATED,
        Host.PackageFamily.APT,
        new TreeMap<>(Map.of("role", "kafka", "os-release", "24.04")),
        Optional.empty(),
        Optional.of(
            new Host.Simulation(
                Map.of(GOOD.name(), "6.8.0-48.48"),
                Map.of(GOOD.name(), GOOD.version()),
                fault == null
                    ? List.of()
                    : List.of(new Host.Fault(GOOD.name(), GOOD.version(), fault)))),
        bmc);
  }

  HostSteps steps(HostExecutor executor, Host h) {
    return steps(executor, h, PowerCycles.NONE);
  }

  HostSteps steps(HostExecutor executor, Host h, PowerCycles power) {
    return new HostSteps(
        executor,
        new HealthChecker(
            executor,
            HttpClient.newHttpClient(),
            new ObjectMapper(),
            CheckCatalogue.EMPTY,
            n -> Optional.empty()),
        () -> List.of(h),
        () -> dev.patchwave.patch.Pins.NONE,
        (action, target, ok, detail) -> audit.add(action + " " + ok + " " + detail),
        Optional.empty(),
        new HostSteps.PackageAges() {
          @Override
          public Map<PackageVersion, Instant> firstSeen(Collection<PackageVersion> versions) {
            return Map.of();
          }

          @Override
          public void seen(String host, List<dev.patchwave.patch.PendingUpdate> p, Instant at) {}
        },
        clock,
        power);
  }

  /** A one-host rollout, its host patched with the new kernel and due for its reboot. */
  RolloutState patched(Host h, EmulatedHost e, HostSteps steps) throws Exception {
    return patched(h, e, steps, "{when: ifRequired, trial: true, panicTimeout: 10s}");
  }

  RolloutState patched(Host h, EmulatedHost e, HostSteps steps, String reboot) throws Exception {
    return patched(h, e, steps, reboot, PATCH_SET, "6.8.0-49-generic");
  }

  /** {@code set} installed on {@code h}, which is then due to reboot into {@code kernel}. */
  RolloutState patched(
      Host h, EmulatedHost e, HostSteps steps, String reboot, PatchSet set, String kernel)
      throws Exception {
    RolloutPolicy policy =
        PolicyReader.read(
            """
            apiVersion: patchwave.dev/v1
            kind: RolloutPolicy
            metadata: {name: p}
            spec:
              selector: {}
              reboot: %s
              waves: [{size: 100%%}]
              health: {interval: 30s, timeout: 2m}
            """
                .formatted(reboot));
    RolloutState s =
        RolloutState.start(
            1,
            policy,
            WavePlanner.plan(policy, List.of(h), clock.instant()),
            "alice",
            clock.instant());
    s = decide(s, new Observation.PatchSetFrozen(set, ""));
    String bootId = e.bootId();
    s = decide(s, new Observation.HostPrepared(h.name(), bootId));
    s = decide(s, steps.patch(s, h.name(), set, () -> true));
    assertThat(s.host(h.name()).phase()).isEqualTo(HostPhase.REBOOTING);
    assertThat(s.host(h.name()).expectedKernel()).contains(kernel);
    return s;
  }

  Decision last;

  RolloutState decide(RolloutState s, Observation o) {
    last = RolloutMachine.decide(s, new Observations(List.of(o), Set.of(), false), clock.instant());
    return last.state();
  }

  <A extends Action> List<A> actions(Class<A> type) {
    return last.actions().stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void aGoodKernelBootsOnTrialAndBecomesTheDefaultOnlyAfterTheGate() throws Exception {
    Host h = host(false);
    EmulatedHost e = simulated.emulated(h);
    HostSteps steps = steps(simulated, h);
    RolloutState s = patched(h, e, steps);
    String before = s.host(h.name()).bootIdBefore().orElseThrow();

    // the first reboot step sets GRUB up and reboots nothing
    Observation decided = steps.reboot(s, h.name(), before, () -> true);
    assertThat(decided).isInstanceOf(Observation.TrialDecided.class);
    assertThat(e.reboots()).isZero();
    s = decide(s, decided);
    TrialBoot trial = s.host(h.name()).trial().orElseThrow();
    assertThat(trial.stage()).isEqualTo(TrialBoot.Stage.ARMED);
    assertThat(trial.toEntry()).endsWith(">gnulinux-6.8.0-49-generic-advanced-" + uuid(e));
    assertThat(audit).anyMatch(a -> a.startsWith("host.trial-boot true rollout 1: kernel"));
    assertThat(env(e))
        .containsEntry("next_entry", trial.toEntry())
        .containsEntry(
            "saved_entry",
            "gnulinux-advanced-" + uuid(e) + ">gnulinux-6.8.0-48-generic-advanced-" + uuid(e));
    assertThat(actions(Action.RebootHost.class)).hasSize(1);

    assertThat(steps.reboot(s, h.name(), before, () -> true))
        .isEqualTo(new Observation.RebootIssued(h.name()));
    s = decide(s, new Observation.RebootIssued(h.name()));
    clock.advance(Duration.ofSeconds(21));
    s = decide(s, steps.awaitBoot(h.name(), before));
    assertThat(s.host(h.name()).phase()).isEqualTo(HostPhase.VERIFYING);
    assertThat(e.runningKernel()).isEqualTo("6.8.0-49-generic");
    // booted once: until it is kept, the old kernel is still what the next boot starts
    assertThat(e.defaultKernel()).isEqualTo("6.8.0-48-generic");

    s =
        decide(
            s,
            new Observation.HealthReport(
                h.name(), List.of(new CheckResult("reachable", Verdict.PASS, ""))));
    Action.KeepKernel keep = actions(Action.KeepKernel.class).get(0);
    Observation kept = steps.keepKernel(s, h.name(), keep.toEntry(), keep.toKernel(), () -> true);
    assertThat(kept).isInstanceOf(Observation.KernelKept.class);
    // idempotent: a controller that restarts before it recorded the outcome does it again
    assertThat(steps.keepKernel(s, h.name(), keep.toEntry(), keep.toKernel(), () -> true))
        .isEqualTo(kept);
    s = decide(s, kept);
    assertThat(s.host(h.name()).phase()).isEqualTo(HostPhase.HEALTHY);
    assertThat(e.defaultKernel()).isEqualTo("6.8.0-49-generic");
    assertThat(env(e))
        .containsEntry("saved_entry", trial.toEntry())
        .doesNotContainKey("next_entry");
    assertThat(e.received())
        .anySatisfy(r -> assertThat(r.argv()).endsWith("rm", "-f", Grub.DROP_IN));
  }

  @Test
  void aBadKernelFallsBackAndTheHostFailsWithItsOwnReason() throws Exception {
    Host h = host(true);
    EmulatedHost e = simulated.emulated(h);
    HostSteps steps = steps(simulated, h);
    RolloutState s = patched(h, e, steps);
    String before = s.host(h.name()).bootIdBefore().orElseThrow();
    s = decide(s, steps.reboot(s, h.name(), before, () -> true));
    s = decide(s, steps.reboot(s, h.name(), before, () -> true));
    assertThat(s.host(h.name()).phase()).isEqualTo(HostPhase.BOOTING);
    // boot, 10s of panic, boot again into the saved default
    clock.advance(Duration.ofSeconds(25));
    assertThat(steps.awaitBoot(h.name(), before)).isInstanceOf(Observation.StillBooting.class);
    clock.advance(Duration.ofSeconds(30));
    s = decide(s, steps.awaitBoot(h.name(), before));
    assertThat(s.host(h.name()).phase()).isEqualTo(HostPhase.FAILED);
    assertThat(s.host(h.name()).reason()).isEqualTo(Reason.KERNEL_FELL_BACK);
    assertThat(e.isPanicked()).isFalse();
    assertThat(e.runningKernel()).isEqualTo("6.8.0-48-generic");
    assertThat(actions(Action.Quarantine.class))
        .extracting(Action.Quarantine::versions)
        .containsExactly(List.of(GOOD));

    // a keep that comes too late (the host is on its old kernel) refuses
    assertThat(steps.keepKernel(s, h.name(), "x>y", "6.8.0-49-generic", () -> true))
        .isInstanceOfSatisfying(
            Observation.HostStepFailed.class,
            f -> {
              assertThat(f.reason()).isEqualTo(Reason.KERNEL_FELL_BACK);
              assertThat(f.retry()).isFalse();
            });
  }

  @Test
  void aHostWhoseGrubRefusesIsLeftAsFoundAndRebootedPlainly() throws Exception {
    Host h = host(false);
    EmulatedHost e = simulated.emulated(h);
    // grub-reboot fails on this host (a locked or full /boot)
    HostExecutor refusing =
        host -> {
          HostExecutor.HostSession inner = simulated.open(host);
          return new HostExecutor.HostSession() {
            @Override
            public CommandResult run(Command c) throws HostException {
              if (c.argv().get(0).equals("grub-reboot") && !c.argv().contains("--version")) {
                return new CommandResult(
                    1, "", "grub-reboot: error: disk full\n", false, Duration.ZERO);
              }
              return inner.run(c);
            }

            @Override
            public void close() {
              inner.close();
            }
          };
        };
    HostSteps steps = steps(refusing, h);
    RolloutState s = patched(h, e, steps);
    String before = s.host(h.name()).bootIdBefore().orElseThrow();
    Observation decided = steps.reboot(s, h.name(), before, () -> true);
    assertThat(decided)
        .isInstanceOfSatisfying(
            Observation.TrialDecided.class,
            d -> {
              assertThat(d.trial().stage()).isEqualTo(TrialBoot.Stage.UNAVAILABLE);
              assertThat(d.trial().detail()).contains("grub-reboot failed", "disk full");
            });
    s = decide(s, decided);
    assertThat(last.events())
        .anySatisfy(ev -> assertThat(ev.reason()).isEqualTo(Reason.NO_TRIAL_BOOT));
    assertThat(audit).anyMatch(a -> a.startsWith("host.trial-boot false rollout 1: grub-"));
    // the drop-in is gone again: GRUB boots the newest kernel, as before
    assertThat(e.defaultKernel()).isEqualTo("6.8.0-49-generic");

    assertThat(steps.reboot(s, h.name(), before, () -> true))
        .isEqualTo(new Observation.RebootIssued(h.name()));
    assertThat(e.reboots()).isEqualTo(1);
    assertThat(e.received().stream().filter(r -> r.argv().contains("grub-reboot")).count())
        .isEqualTo(1);
  }

  @Test
  void aPolicyWithoutTrialRebootsAtOnce() throws Exception {
    Host h = host(false);
    EmulatedHost e = simulated.emulated(h);
    HostSteps steps = steps(simulated, h);
    RolloutState s = patched(h, e, steps, "{trial: false}");
    assertThat(steps.reboot(s, h.name(), s.host(h.name()).bootIdBefore().get(), () -> true))
        .isEqualTo(new Observation.RebootIssued(h.name()));
    assertThat(e.reboots()).isEqualTo(1);
    assertThat(e.received()).noneMatch(r -> r.argv().get(0).startsWith("grub"));
  }

  @Test
  void aKernelThatHangsIsPowerCycledThroughItsBmcAndFallsBackToTheOldOne(@TempDir Path dir)
      throws Exception {
    try (RedfishServer redfish = new RedfishServer(dir, "patchwave", "pw")) {
      Path creds = Files.createDirectories(dir.resolve("creds/bmc"));
      Files.writeString(creds.resolve("username"), "patchwave");
      Files.writeString(creds.resolve("password"), "pw");
      Host h =
          host(
              Host.FaultEffect.HANG_ON_REBOOT,
              Optional.of(
                  new Host.Bmc(
                      redfish.uri(), Optional.empty(), "bmc", Optional.of(redfish.pin()))));
      EmulatedHost e = simulated.emulated(h);
      redfish.onReset(e::forceRestart);
      List<Instant> done = new ArrayList<>();
      PowerCycles power =
          new PowerCycles(
              new RedfishPower(dir.resolve("creds"), Optional.empty(), Duration.ofSeconds(5)),
              hosts -> Map.of(h.name(), 1L),
              since -> done.stream().filter(t -> !t.isBefore(since)).count(),
              5,
              (action, target, ok, detail) -> {
                audit.add(action + " " + ok + " " + detail);
                if (action.equals("host.power-cycle") && ok) {
                  done.add(clock.instant());
                }
              },
              clock);
      HostSteps steps = steps(simulated, h, power);
      RolloutState s = patched(h, e, steps);
      String before = s.host(h.name()).bootIdBefore().orElseThrow();
      s = decide(s, steps.reboot(s, h.name(), before, () -> true));
      s = decide(s, steps.reboot(s, h.name(), before, () -> true));
      // the new kernel hangs: no panic, so panic= does not help; nobody answers for 2m + 10s
      clock.advance(Duration.ofMinutes(3));
      assertThat(e.isUp()).isFalse();
      s = decide(s, steps.awaitBoot(h.name(), before));
      assertThat(actions(Action.PowerCycle.class)).hasSize(1);
      assertThat(s.host(h.name()).phase()).isEqualTo(HostPhase.BOOTING);

      s = decide(s, steps.powerCycle(s, h.name(), () -> true));
      assertThat(redfish.resets()).hasSize(1);
      assertThat(e.powerCycles()).isEqualTo(1);
      assertThat(audit)
          .anyMatch(a -> a.startsWith("host.power-cycle true rollout 1: ForceRestart"));
      // GRUB forgot the once-only entry when it booted it: the restart starts the saved default
      clock.advance(Duration.ofSeconds(21));
      s = decide(s, steps.awaitBoot(h.name(), before));
      assertThat(s.host(h.name()).phase()).isEqualTo(HostPhase.FAILED);
      assertThat(s.host(h.name()).reason()).isEqualTo(Reason.KERNEL_FELL_BACK);
      assertThat(e.runningKernel()).isEqualTo("6.8.0-48-generic");
      assertThat(e.isUp()).isTrue();
    }
  }

  @Test
  void aPowerCycleIsOnlyForTheOwningRolloutsBootingHostAndWithinTheHourlyLimit() throws Exception {
    Host h = host(Host.FaultEffect.HANG_ON_REBOOT, Optional.empty());
    EmulatedHost e = simulated.emulated(h);
    Map<String, Long> owner = new java.util.HashMap<>(Map.of(h.name(), 2L));
    long[] doneThisHour = {0};
    PowerCycles power =
        new PowerCycles(
            host -> {
              simulated.emulated(host).forceRestart();
              return dev.patchwave.host.PowerControl.Outcome.done("restarted");
            },
            hosts -> owner,
            since -> doneThisHour[0],
            3,
            (action, target, ok, detail) -> audit.add(action + " " + ok + " " + detail),
            clock);
    HostSteps steps = steps(simulated, h, power);
    RolloutState s = patched(h, e, steps);
    // not booting yet: refused
    assertThat(steps.powerCycle(s, h.name(), () -> true))
        .isEqualTo(
            new Observation.PowerCycled(
                h.name(), false, "the host is not rebooting in this rollout"));
    String before = s.host(h.name()).bootIdBefore().orElseThrow();
    s = decide(s, steps.reboot(s, h.name(), before, () -> true));
    s = decide(s, steps.reboot(s, h.name(), before, () -> true));
    assertThat(s.host(h.name()).phase()).isEqualTo(HostPhase.BOOTING);
    // another rollout claims the host: refused, audited
    Observation other = steps.powerCycle(s, h.name(), () -> true);
    assertThat(((Observation.PowerCycled) other).detail()).contains("claimed by rollout 2");
    owner.put(h.name(), 1L);
    doneThisHour[0] = 3;
    Observation limited = steps.powerCycle(s, h.name(), () -> true);
    assertThat(((Observation.PowerCycled) limited).detail())
        .contains("3 power cycles in the last hour", "patchwave.power.max-per-hour=3");
    assertThat(e.powerCycles()).isZero();
    assertThat(audit.stream().filter(a -> a.startsWith("host.power-cycle false"))).hasSize(2);
    doneThisHour[0] = 2;
    assertThat(steps.powerCycle(s, h.name(), () -> true))
        .isEqualTo(new Observation.PowerCycled(h.name(), true, "restarted"));
    assertThat(e.powerCycles()).isEqualTo(1);
  }

  // --- dnf hosts: grubby and Boot Loader Specification entries

  static final PackageVersion RPM_KERNEL = new PackageVersion("kernel", "5.14.0-503.11.1.el9_5");

  static Host dnfHost(boolean panics) {
    return new Host(
        "rocky-1",
        "rocky-1",
        22,
        Host.Transport.SIMULATED,
        Host.PackageFamily.DNF,
        new TreeMap<>(Map.of("role", "db", "os-release", "9.4")),
        Optional.empty(),
        Optional.of(
            new Host.Simulation(
                Map.of("kernel", "5.14.0-427.13.1.el9_4"),
                Map.of("kernel", RPM_KERNEL.version()),
                panics
                    ? List.of(
                        new Host.Fault(
                            "kernel", RPM_KERNEL.version(), Host.FaultEffect.PANIC_ON_REBOOT))
                    : List.of())));
  }

  /** A one-host rollout on a dnf host, patched with the new kernel and due for its reboot. */
  RolloutState dnfPatched(Host h, EmulatedHost e, HostSteps steps) throws Exception {
    RolloutState s =
        patched(
            h,
            e,
            steps,
            "{when: ifRequired, trial: true, panicTimeout: 10s}",
            new PatchSet(new java.util.TreeSet<>(Set.of(RPM_KERNEL))),
            NEW_RPM);
    // kernel-install made the new kernel the default, as on a real host
    assertThat(e.defaultKernel()).isEqualTo(NEW_RPM);
    return s;
  }

  static final String OLD_RPM = "5.14.0-427.13.1.el9_4.x86_64";
  static final String NEW_RPM = "5.14.0-503.11.1.el9_5.x86_64";

  static String grubby(EmulatedHost e, String... argv) throws Exception {
    List<String> all = new ArrayList<>(List.of("grubby"));
    all.addAll(List.of(argv));
    return e.exec(all, new byte[0]).stdout();
  }

  @Test
  void onADnfHostGrubbyBootsTheNewKernelOnceAndKeepsItOnlyAfterTheGate() throws Exception {
    Host h = dnfHost(false);
    EmulatedHost e = simulated.emulated(h);
    HostSteps steps = steps(simulated, h);
    RolloutState s = dnfPatched(h, e, steps);
    String before = s.host(h.name()).bootIdBefore().orElseThrow();

    s = decide(s, steps.reboot(s, h.name(), before, () -> true));
    TrialBoot trial = s.host(h.name()).trial().orElseThrow();
    assertThat(trial.stage()).isEqualTo(TrialBoot.Stage.ARMED);
    assertThat(trial.toEntry()).endsWith("-" + NEW_RPM).hasSize(32 + 1 + NEW_RPM.length());
    // the old kernel is the default again; only the new kernel's entry panics and reboots
    assertThat(e.defaultKernel()).isEqualTo(OLD_RPM);
    assertThat(grubby(e, "--info=/boot/vmlinuz-" + NEW_RPM)).contains("panic=10\"");
    assertThat(grubby(e, "--info=/boot/vmlinuz-" + OLD_RPM)).doesNotContain("panic=");
    assertThat(audit)
        .anyMatch(a -> a.startsWith("host.trial-boot true rollout 1: kernel " + NEW_RPM));

    s = decide(s, steps.reboot(s, h.name(), before, () -> true));
    clock.advance(Duration.ofSeconds(21));
    s = decide(s, steps.awaitBoot(h.name(), before));
    assertThat(s.host(h.name()).phase()).isEqualTo(HostPhase.VERIFYING);
    assertThat(e.runningKernel()).isEqualTo(NEW_RPM);
    assertThat(e.defaultKernel()).isEqualTo(OLD_RPM);

    s =
        decide(
            s,
            new Observation.HealthReport(
                h.name(), List.of(new CheckResult("reachable", Verdict.PASS, ""))));
    Action.KeepKernel keep = actions(Action.KeepKernel.class).get(0);
    s = decide(s, steps.keepKernel(s, h.name(), keep.toEntry(), keep.toKernel(), () -> true));
    assertThat(s.host(h.name()).phase()).isEqualTo(HostPhase.HEALTHY);
    assertThat(s.host(h.name()).reason()).isEqualTo(Reason.KERNEL_KEPT);
    assertThat(e.defaultKernel()).isEqualTo(NEW_RPM);
    assertThat(grubby(e, "--info=/boot/vmlinuz-" + NEW_RPM)).doesNotContain("panic=");
  }

  @Test
  void onADnfHostABadKernelFallsBackByItself() throws Exception {
    Host h = dnfHost(true);
    EmulatedHost e = simulated.emulated(h);
    HostSteps steps = steps(simulated, h);
    RolloutState s = dnfPatched(h, e, steps);
    String before = s.host(h.name()).bootIdBefore().orElseThrow();
    s = decide(s, steps.reboot(s, h.name(), before, () -> true));
    s = decide(s, steps.reboot(s, h.name(), before, () -> true));
    clock.advance(Duration.ofSeconds(55));
    s = decide(s, steps.awaitBoot(h.name(), before));
    assertThat(s.host(h.name()).phase()).isEqualTo(HostPhase.FAILED);
    assertThat(s.host(h.name()).reason()).isEqualTo(Reason.KERNEL_FELL_BACK);
    assertThat(e.isPanicked()).isFalse();
    assertThat(e.fallbacks()).isEqualTo(1);
    assertThat(e.runningKernel()).isEqualTo(OLD_RPM);
    assertThat(e.defaultKernel()).isEqualTo(OLD_RPM);
  }

  static Map<String, String> env(EmulatedHost e) throws Exception {
    return Grub.env(e.exec(Grub.readEnv().argv(), new byte[0]).stdout());
  }

  static String uuid(EmulatedHost e) throws Exception {
    String cfg = e.exec(Grub.readMenu().argv(), new byte[0]).stdout();
    String id = Grub.entries(cfg).get(0).id();
    return id.substring("gnulinux-simple-".length());
  }
}
