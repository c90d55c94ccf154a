package dev.patchwave.host.simulated;

import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.Host.Fault;
import dev.patchwave.inventory.Host.FaultEffect;
import dev.patchwave.patch.AptPackageManager;
import dev.patchwave.patch.DnfPackageManager;
import dev.patchwave.patch.Grub;
import dev.patchwave.patch.PackageGrammar;
import dev.patchwave.patch.PackageVersion;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An emulated Debian/Ubuntu host: installed and available package versions, a running kernel, a
 * boot id, a dpkg lock, apt pins, and faults that given package versions cause. It answers the
 * commands Patchwave sends (as argv lists) the way the real programs do, closely enough for the
 * controller's parsers, and records every command it receives.
 *
 * <p>The same model backs {@code transport: simulated} hosts, the what-if simulator, and the SSH
 * server the tests run. Thread-safe; time comes from the injected clock.
 */
public final class EmulatedHost {

  /** A command's answer. */
  public record Reply(int exitCode, String stdout, String stderr) {}

  /**
   * A command the host received, with the time and whether it changed the host; a host keeps the
   * newest ones (a thousand unless told otherwise).
   */
  public record Received(Instant at, List<String> argv, boolean mutating) {}

  /** Thrown while the host is down (rebooting, panicked): a connection would be refused. */
  public static final class DownException extends Exception {
    public DownException(String host) {
      super("host " + host + " is not reachable");
    }
  }

  private static final Pattern KERNEL_VERSION =
      Pattern.compile("^(\\d+\\.\\d+\\.\\d+)[.-](\\d+)\\..*$");
  private static final String SECURITY_SUITE = "-security";

  private final String name;
  private final String release;
  private final String versionId;
  private final boolean dnf;
  private String lockList;
  private final Optional<Host.Hardware> hardware;
  private boolean unattendedUpgrades;
  private boolean adopted;
  private final Clock clock;
  private final Duration bootTime;
  private final Map<String, String> installed;
  private final Map<String, List<String>> available = new TreeMap<>();
  private final List<Fault> faults;

  /** How many received commands a host keeps unless told otherwise. */
  public static final int DEFAULT_LOG = 1000;

  private final java.util.ArrayDeque<Received> log = new java.util.ArrayDeque<>();
  private final int logLimit;
  private final Set<PackageVersion> pinned = new HashSet<>();
  private boolean pinFile;
  private String bootId = UUID.randomUUID().toString();
  private String runningKernel;
  private boolean rebootRequired;
  private boolean degraded;
  private boolean panicked;
  private boolean dpkgLocked;
  private Instant downUntil = Instant.MIN;
  private int reboots;

  // GRUB (apt hosts): the kernels in /boot, the saved and the once-only entries (grubenv), the
  // controller's drop-in, and what update-grub last generated from it.
  private final java.util.TreeSet<String> kernelsOnDisk =
      new java.util.TreeSet<>(EmulatedHost::compareNatural);
  private Optional<String> savedEntry = Optional.empty();
  private Optional<String> nextEntry = Optional.empty();
  private String grubDropIn;
  private boolean grubDefaultSaved;
  private Optional<Duration> panicReboot = Optional.empty();
  private int fallbacks;
  private boolean panicOnHang;
  private int powerCycles;
  // dnf hosts: each kernel's entry (Boot Loader Specification) with the arguments grubby added
  private final Map<String, String> entryArgs = new TreeMap<>();

  public EmulatedHost(Host host, Clock clock, Duration bootTime) {
    this(host, clock, bootTime, DEFAULT_LOG);
  }

  /**
   * @param logLimit how many received commands to keep (the newest); 0 keeps none
   */
  public EmulatedHost(Host host, Clock clock, Duration bootTime, int logLimit) {
    this.logLimit = logLimit;
    Host.Simulation sim =
        host.simulation().orElseGet(() -> new Host.Simulation(Map.of(), Map.of(), List.of()));
    this.name = host.name();
    this.dnf = host.packageManager() == Host.PackageFamily.DNF;
    String label = host.labels().getOrDefault("os-release", dnf ? "9.4" : "24.04");
    this.versionId = dnf ? label : label.equals("22.04") ? "22.04" : "24.04";
    this.release = dnf ? "el" + versionId : versionId.equals("22.04") ? "jammy" : "noble";
    this.hardware = sim.hardware();
    this.unattendedUpgrades = sim.unattendedUpgrades();
    this.clock = clock;
    this.bootTime = bootTime;
    this.installed = new TreeMap<>(sim.installed());
    sim.available().forEach((p, v) -> available.put(p, new ArrayList<>(List.of(v))));
    this.faults = List.copyOf(sim.faults());
    this.runningKernel =
        newestInstalledKernel().orElse(dnf ? "5.14.0-1.el9.x86_64" : "6.8.0-1-generic");
    kernelsOnDisk.add(runningKernel);
    if (dnf) {
      // grubenv's saved_entry: kernel-install makes each kernel it installs the default
      grubDefaultSaved = true;
      savedEntry = Optional.of(blsId(runningKernel));
    }
  }

  /** A kernel package put its kernel in /boot (and, on dnf, made it the saved default). */
  private void kernelInstalled(String release) {
    kernelsOnDisk.add(release);
    if (dnf) {
      savedEntry = Optional.of(blsId(release));
    }
  }

  /** A BLS entry's id: the machine id, then the kernel release. */
  private String blsId(String release) {
    return machineId() + "-" + release;
  }

  private String machineId() {
    return UUID.nameUUIDFromBytes(("machine-" + name).getBytes(StandardCharsets.UTF_8))
        .toString()
        .replace("-", "");
  }

  public String name() {
    return name;
  }

  /** Runs one command. */
  public synchronized Reply exec(List<String> argv, byte[] stdin) throws DownException {
    if (!isUp()) {
      throw new DownException(name);
    }
    if (logLimit > 0) {
      if (log.size() >= logLimit) {
        log.removeFirst();
      }
      log.addLast(new Received(clock.instant(), List.copyOf(argv), isMutating(argv)));
    }
    return answer(argv, stdin == null ? new byte[0] : stdin);
  }

  public synchronized boolean isUp() {
    if (panicked) {
      return false;
    }
    return !clock.instant().isBefore(downUntil);
  }

  public synchronized List<Received> received() {
    return List.copyOf(log);
  }

  public synchronized Map<String, String> installed() {
    return Map.copyOf(installed);
  }

  public synchronized Set<PackageVersion> pins() {
    return Set.copyOf(pinned);
  }

  public synchronized String bootId() {
    return bootId;
  }

  public synchronized String runningKernel() {
    return runningKernel;
  }

  public synchronized int reboots() {
    return reboots;
  }

  public synchronized boolean isPanicked() {
    return panicked;
  }

  /**
   * How many times a panicking kernel rebooted the host by itself ({@code panic=} on its command
   * line) into GRUB's default entry.
   */
  public synchronized int fallbacks() {
    return fallbacks;
  }

  /** The kernel GRUB boots unless told otherwise (the saved entry, with GRUB_DEFAULT=saved). */
  public synchronized String defaultKernel() {
    return grubDefault();
  }

  /** Makes a newer version available from the security pocket (a fixed package is published). */
  public synchronized void publish(String pkg, String version) {
    available.computeIfAbsent(pkg, k -> new ArrayList<>()).add(version);
  }

  /** Holds or releases the dpkg lock, as a running unattended-upgrades would. */
  public synchronized void holdDpkgLock(boolean held) {
    this.dpkgLocked = held;
  }

  /** Turns unattended-upgrades on or off, as a person editing 20auto-upgrades would. */
  public synchronized void setUnattendedUpgrades(boolean on) {
    this.unattendedUpgrades = on;
  }

  /** Whether Patchwave's adoption drop-in is in place. */
  public synchronized boolean adopted() {
    return adopted;
  }

  /**
   * What unattended-upgrades does when its timer fires: installs every candidate, unless turned off
   * (or adopted). Returns what it installed.
   */
  public synchronized List<PackageVersion> runUnattendedUpgrades() {
    List<PackageVersion> done = new ArrayList<>();
    if (!unattendedUpgrades || adopted) {
      return done;
    }
    for (String pkg : available.keySet()) {
      Optional<String> c = candidate(pkg);
      if (c.isPresent() && !c.get().equals(installed.get(pkg))) {
        installed.put(pkg, c.get());
        done.add(new PackageVersion(pkg, c.get()));
        if (isKernel(pkg)) {
          rebootRequired = true;
        }
      }
    }
    return done;
  }

  /** Someone deletes the quarantine pin file. */
  public synchronized void deletePinFile() {
    pinned.clear();
    pinFile = false;
    lockList = null;
  }

  /** Switches the host off (a person pulled the plug); {@link #powerCycle} brings it back. */
  public synchronized void powerOff() {
    panicked = true;
  }

  /**
   * The BMC restarts the host (Redfish ForceRestart): nobody picks a kernel at the GRUB menu, so
   * GRUB starts the once-only entry if one is still set, else its default; a kernel that panics or
   * hangs there takes the host down again.
   */
  public synchronized void forceRestart() {
    panicked = false;
    powerCycles++;
    reboot();
  }

  /** How many times the BMC restarted the host ({@link #forceRestart}). */
  public synchronized int powerCycles() {
    return powerCycles;
  }

  /** Brings a panicked host back (an operator power-cycled it into the old kernel). */
  public synchronized void powerCycle() {
    panicked = false;
    downUntil = Instant.MIN;
    bootId = UUID.randomUUID().toString();
  }

  private Reply answer(List<String> argv, byte[] stdin) {
    List<String> words = strip(argv);
    if (words.isEmpty()) {
      return ok("");
    }
    String cmd = words.get(0);
    List<String> args = words.subList(1, words.size());
    if (dnf) {
      Optional<Reply> r = answerDnf(cmd, args, stdin);
      if (r.isPresent()) {
        return r.get();
      }
    }
    return switch (cmd) {
      case "true" -> ok("");
      case "apt-get" -> aptGet(args);
      case "apt-cache" -> aptCache(args);
      case "dpkg-query" -> dpkgQuery(args);
      case "test" ->
          args.equals(List.of("-f", AptPackageManager.REBOOT_REQUIRED_FILE))
              ? new Reply(rebootRequired ? 0 : 1, "", "")
              : args.equals(List.of("-w", Grub.GRUBENV))
                  ? new Reply(0, "", "")
                  : new Reply(2, "", "test: unsupported by the emulator\n");
      case "ls" ->
          args.equals(List.of("-1", "/boot"))
              ? ok(bootDir())
              : new Reply(2, "", "ls: unsupported\n");
      case "systemd-detect-virt" -> hardware.isPresent() ? new Reply(1, "none\n", "") : ok("kvm\n");
      case "apt-mark" ->
          args.equals(List.of("showhold")) ? ok("") : new Reply(1, "", "apt-mark: unsupported\n");
      case "apt-config" ->
          args.equals(List.of("dump", "APT::Periodic"))
              ? ok(aptPeriodic())
              : new Reply(1, "", "apt-config: unsupported\n");
      case "readlink" ->
          ok("/boot/vmlinuz-" + newestInstalledKernel().orElse(runningKernel) + "\n");
      case "uname" -> ok(runningKernel + "\n");
      case "update-grub" -> updateGrub();
      case "grub-editenv" ->
          args.equals(List.of(Grub.GRUBENV, "list"))
              ? ok(
                  savedEntry.map(e -> "saved_entry=" + e + "\n").orElse("")
                      + nextEntry.map(e -> "next_entry=" + e + "\n").orElse(""))
              : new Reply(1, "", "grub-editenv: unsupported by the emulator\n");
      case "grub-set-default", "grub-reboot" -> grubEntry(cmd, args);
      case "cat" -> cat(args);
      case "systemctl" -> systemctl(args);
      case "tee" -> tee(args, stdin);
      case "rm" -> {
        if (args.contains(AptPackageManager.QUARANTINE_FILE)) {
          pinned.clear();
          pinFile = false;
        }
        if (args.contains(AptPackageManager.ADOPT_FILE)) {
          adopted = false;
        }
        if (args.contains(Grub.DROP_IN)) {
          grubDropIn = null;
        }
        yield ok("");
      }
      default -> new Reply(127, "", cmd + ": command not found\n");
    };
  }

  /** The commands of a dnf host (Rocky, RHEL), as dnf 4 answers them; empty: not dnf's. */
  private Optional<Reply> answerDnf(String cmd, List<String> args, byte[] stdin) {
    String text = new String(stdin, StandardCharsets.UTF_8);
    return Optional.ofNullable(
        switch (cmd) {
          case "dnf" -> dnfCommand(args);
          case "rpm" -> rpm(args);
          case "grubby" -> grubby(args);
          case "grub2-editenv" ->
              args.equals(List.of(dev.patchwave.patch.Grubby.GRUBENV, "list"))
                  ? ok(
                      savedEntry.map(e -> "saved_entry=" + e + "\n").orElse("")
                          + nextEntry.map(e -> "next_entry=" + e + "\n").orElse(""))
                  : new Reply(1, "", "grub2-editenv: unsupported by the emulator\n");
          case "grub2-reboot" -> {
            if (args.equals(List.of("--version"))) {
              yield ok("grub2-reboot (GRUB) 2.06\n");
            }
            if (args.size() != 1 || kernelOf(args.get(0)).isEmpty()) {
              yield new Reply(1, "", "grub2-reboot: no such entry in the emulator\n");
            }
            nextEntry = Optional.of(args.get(0));
            yield ok("");
          }
          case "test" ->
              args.equals(List.of("-w", dev.patchwave.patch.Grubby.GRUBENV))
                  ? new Reply(0, "", "")
                  : null;
          case "tee" -> {
            if (args.equals(List.of(DnfPackageManager.VERSIONLOCK_LIST))) {
              lockList = text;
              pinned.clear();
              pinned.addAll(new DnfPackageManager().parseQuarantine(0, text).orElse(List.of()));
              pinFile = true;
              yield ok(text);
            }
            yield null;
          }
          case "sed" -> {
            if (args.size() == 4 && args.get(3).equals(DnfPackageManager.AUTOMATIC_CONF)) {
              adopted = args.get(2).endsWith("\\1no/");
              yield ok("");
            }
            yield new Reply(4, "", "sed: refused by the emulator\n");
          }
          case "systemctl" ->
              args.equals(
                      List.of("is-enabled", "dnf-automatic.timer", "dnf-automatic-install.timer"))
                  ? new Reply(
                      unattendedUpgrades ? 0 : 1,
                      (unattendedUpgrades ? "enabled" : "disabled") + "\ndisabled\n",
                      "")
                  : null;
          default -> null;
        });
  }

  /** grubby: the default kernel, an entry's info, the saved default, an entry's arguments. */
  private Reply grubby(List<String> args) {
    if (args.equals(List.of("--default-kernel"))) {
      return ok("/boot/vmlinuz-" + grubDefault() + "\n");
    }
    String prefix = "/boot/vmlinuz-";
    if (args.size() == 1 && args.get(0).startsWith("--info=" + prefix)) {
      String k = args.get(0).substring(("--info=" + prefix).length());
      if (!kernelsOnDisk.contains(k)) {
        return new Reply(1, "", "The param " + prefix + k + " is incorrect\n");
      }
      return ok(
          "index=0\nkernel=\""
              + prefix
              + k
              + "\"\nargs=\"ro crashkernel=1G-4G:192M rhgb quiet"
              + (entryArgs.getOrDefault(k, "").isEmpty() ? "" : " " + entryArgs.get(k))
              + "\"\nroot=\"UUID="
              + rootUuid()
              + "\"\ninitrd=\"/boot/initramfs-"
              + k
              + ".img\"\ntitle=\"Rocky Linux ("
              + k
              + ") "
              + versionId
              + " (Blue Onyx)\"\nid=\""
              + blsId(k)
              + "\"\n");
    }
    if (args.size() == 1 && args.get(0).startsWith("--set-default=" + prefix)) {
      String k = args.get(0).substring(("--set-default=" + prefix).length());
      if (!kernelsOnDisk.contains(k)) {
        return new Reply(1, "", "The param " + prefix + k + " is incorrect\n");
      }
      savedEntry = Optional.of(blsId(k));
      return ok("The default is /boot/loader/entries/" + blsId(k) + ".conf with index 0\n");
    }
    if (args.size() == 2 && args.get(0).startsWith("--update-kernel=" + prefix)) {
      String k = args.get(0).substring(("--update-kernel=" + prefix).length());
      if (!kernelsOnDisk.contains(k)) {
        return new Reply(1, "", "The param " + prefix + k + " is incorrect\n");
      }
      java.util.LinkedHashMap<String, String> now = new java.util.LinkedHashMap<>();
      for (String a : entryArgs.getOrDefault(k, "").split(" ")) {
        if (!a.isEmpty()) {
          now.put(a.contains("=") ? a.substring(0, a.indexOf('=')) : a, a);
        }
      }
      if (args.get(1).startsWith("--args=")) {
        for (String a : args.get(1).substring("--args=".length()).split(" ")) {
          now.put(a.contains("=") ? a.substring(0, a.indexOf('=')) : a, a);
        }
      } else if (args.get(1).startsWith("--remove-args=")) {
        for (String a : args.get(1).substring("--remove-args=".length()).split(" ")) {
          now.remove(a.contains("=") ? a.substring(0, a.indexOf('=')) : a);
        }
      } else {
        return new Reply(1, "", "grubby: unsupported by the emulator\n");
      }
      entryArgs.put(k, String.join(" ", now.values()));
      return ok("");
    }
    return new Reply(1, "", "grubby: unsupported by the emulator\n");
  }

  private Reply dnfCommand(List<String> all) {
    List<String> args = all.stream().filter(a -> !a.equals("-q")).toList();
    if (args.equals(List.of("makecache"))) {
      return ok("");
    }
    if (args.equals(List.of("check-update"))) {
      StringBuilder out = new StringBuilder("\n");
      for (String pkg : available.keySet()) {
        Optional<String> c = candidate(pkg);
        if (c.isPresent() && !c.get().equals(installed.get(pkg))) {
          out.append(String.format("%-40s %-35s %s%n", pkg + ".x86_64", c.get(), "baseos"));
        }
      }
      return new Reply(out.length() > 1 ? 100 : 0, out.toString(), "");
    }
    if (args.equals(List.of("updateinfo", "list", "--updates", "security"))) {
      StringBuilder out = new StringBuilder();
      for (String pkg : available.keySet()) {
        Optional<String> c = candidate(pkg);
        if (c.isPresent() && !c.get().equals(installed.get(pkg))) {
          out.append("RLSA-2026:0001 Important/Sec. ")
              .append(pkg)
              .append('-')
              .append(c.get())
              .append(".x86_64\n");
        }
      }
      return ok(out.toString());
    }
    if (args.equals(List.of("needs-restarting", "-r"))) {
      return rebootRequired
          ? new Reply(
              1,
              "Core libraries or services have been updated since boot-up:\n  * kernel\n\n"
                  + "Reboot is required to fully utilize these updates.\n",
              "")
          : ok(
              "No core libraries or services have been updated since boot-up.\n"
                  + "Reboot should not be necessary.\n");
    }
    if (args.equals(List.of("versionlock", "list"))) {
      return ok(
          lockList == null
              ? ""
              : lockList
                  .lines()
                  .filter(l -> !l.isBlank() && !l.startsWith("#"))
                  .map(l -> l + "\n")
                  .collect(java.util.stream.Collectors.joining()));
    }
    if (args.size() >= 3
        && args.subList(0, 3).equals(List.of("--showduplicates", "list", "--available"))) {
      StringBuilder out = new StringBuilder("Available Packages\n");
      for (String pkg : args.subList(3, args.size())) {
        for (String v : available.getOrDefault(pkg, List.of())) {
          if (!pinned.contains(new PackageVersion(pkg, v))) {
            out.append(String.format("%-40s %-35s %s%n", pkg + ".x86_64", v, "baseos"));
          }
        }
      }
      return ok(out.toString());
    }
    int at = args.indexOf("install");
    if (at < 0) {
      return new Reply(2, "", "No such command: " + String.join(" ", args) + "\n");
    }
    boolean simulate = args.contains("--assumeno");
    List<PackageVersion> wanted = new ArrayList<>();
    for (String a : args.subList(at + 1, args.size())) {
      Optional<PackageVersion> v = nevr(a);
      if (v.isEmpty()
          || !available.getOrDefault(v.get().name(), List.of()).contains(v.get().version())) {
        return new Reply(1, "", "Error: Unable to find a match: " + a + "\n");
      }
      if (pinned.contains(v.get())) {
        return new Reply(
            1,
            "",
            "All matches were filtered out by exclude filtering for argument: "
                + a
                + "\nError: Unable to find a match: "
                + a
                + "\n");
      }
      if (!v.get().version().equals(installed.get(v.get().name()))) {
        wanted.add(v.get());
      }
    }
    if (wanted.isEmpty()) {
      return ok("Dependencies resolved.\nNothing to do.\nComplete!\n");
    }
    if (simulate) {
      StringBuilder out =
          new StringBuilder(
              "Dependencies resolved.\n"
                  + "=".repeat(80)
                  + "\n Package        Architecture   Version          Repository   Size\n"
                  + "=".repeat(80)
                  + "\nUpgrading:\n");
      for (PackageVersion v : wanted) {
        out.append(String.format(" %-20s x86_64  %-28s baseos   1.2 M%n", v.name(), v.version()));
      }
      out.append("\nTransaction Summary\n").append("=".repeat(80)).append('\n');
      return new Reply(1, out.toString(), "Operation aborted.\n");
    }
    if (dpkgLocked) {
      return new Reply(1, "", "Waiting for process with pid 4242 to finish.\n");
    }
    for (PackageVersion v : wanted) {
      installed.put(v.name(), v.version());
      if (isKernel(v.name())) {
        rebootRequired = true;
        (dnf ? Optional.of(rpmKernelRelease(v.version())) : kernelRelease(v.version()))
            .ifPresent(this::kernelInstalled);
      }
      if (hasFault(v, FaultEffect.PANIC_ON_INSTALL)) {
        panicked = true;
        return new Reply(255, "", "Connection to " + name + " closed by remote host.\n");
      }
    }
    return ok("Complete!\n");
  }

  /** {@code name-[epoch:]version-release} as the emulator's packages know it. */
  private Optional<PackageVersion> nevr(String arg) {
    for (String pkg : available.keySet()) {
      if (arg.startsWith(pkg + "-")) {
        String v = arg.substring(pkg.length() + 1);
        if (available.get(pkg).contains(v)) {
          return Optional.of(new PackageVersion(pkg, v));
        }
      }
    }
    int release = arg.lastIndexOf('-');
    int version = release <= 0 ? -1 : arg.lastIndexOf('-', release - 1);
    return version <= 0
        ? Optional.empty()
        : Optional.of(new PackageVersion(arg.substring(0, version), arg.substring(version + 1)));
  }

  private Reply rpm(List<String> args) {
    StringBuilder out = new StringBuilder();
    if (args.size() >= 3 && args.get(0).equals("-qa")) {
      installed.forEach((p, v) -> out.append(p).append('\t').append(v).append('\n'));
      return ok(out.toString());
    }
    if (args.size() >= 4 && args.get(0).equals("-q") && args.get(1).equals("--qf")) {
      boolean missing = false;
      for (String pkg : args.subList(3, args.size())) {
        String v = installed.get(pkg);
        if (v == null) {
          out.append("package ").append(pkg).append(" is not installed\n");
          missing = true;
        } else {
          out.append(pkg).append('\t').append(v).append('\n');
        }
      }
      return new Reply(missing ? 1 : 0, out.toString(), "");
    }
    return new Reply(1, "", "rpm: unsupported by the emulator\n");
  }

  private Reply aptGet(List<String> args) {
    boolean simulate = args.contains("-s");
    if (args.contains("update")) {
      return ok("Reading package lists...\n");
    }
    if (args.contains("dist-upgrade")) {
      StringBuilder out = new StringBuilder("Reading package lists...\n");
      for (var e : available.entrySet()) {
        String pkg = e.getKey();
        Optional<String> candidate = candidate(pkg);
        if (candidate.isPresent() && !candidate.get().equals(installed.get(pkg))) {
          out.append(instLine(pkg, candidate.get()));
        }
      }
      return ok(out.toString());
    }
    int at = args.indexOf("install");
    if (at < 0) {
      return new Reply(100, "", "E: Invalid operation\n");
    }
    List<PackageVersion> wanted = new ArrayList<>();
    for (String a : args.subList(at + 1, args.size())) {
      if (a.startsWith("-")) {
        continue;
      }
      int eq = a.indexOf('=');
      String pkg = eq < 0 ? a : a.substring(0, eq);
      if (!PackageGrammar.isDebianName(pkg)) {
        return new Reply(100, "", "E: Unable to locate package " + pkg + "\n");
      }
      Optional<String> version = eq < 0 ? candidate(pkg) : Optional.of(a.substring(eq + 1));
      List<String> offered = available.getOrDefault(pkg, List.of());
      if (version.isEmpty() || !offered.contains(version.get())) {
        return new Reply(
            100, "", "E: Version '" + version.orElse("") + "' for '" + pkg + "' was not found\n");
      }
      if (pinned.contains(new PackageVersion(pkg, version.get()))) {
        return new Reply(
            100, "", "E: Version '" + version.get() + "' for '" + pkg + "' was not found\n");
      }
      wanted.add(new PackageVersion(pkg, version.get()));
    }
    if (simulate) {
      StringBuilder out = new StringBuilder();
      for (PackageVersion v : wanted) {
        if (!v.version().equals(installed.get(v.name()))) {
          out.append(instLine(v.name(), v.version()));
        }
      }
      return ok(out.toString());
    }
    if (dpkgLocked) {
      return new Reply(
          100,
          "",
          "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242"
              + " (unattended-upgr)\nE: Unable to acquire the dpkg frontend lock\n");
    }
    for (PackageVersion v : wanted) {
      installed.put(v.name(), v.version());
      if (isKernel(v.name())) {
        rebootRequired = true;
        (dnf ? Optional.of(rpmKernelRelease(v.version())) : kernelRelease(v.version()))
            .ifPresent(this::kernelInstalled);
      }
      if (hasFault(v, FaultEffect.PANIC_ON_INSTALL)) {
        panicked = true;
        return new Reply(255, "", "Connection to " + name + " closed by remote host.\n");
      }
    }
    return ok("Setting up " + wanted + " ...\n");
  }

  private Reply aptCache(List<String> args) {
    if (args.isEmpty() || !args.get(0).equals("madison")) {
      return new Reply(100, "", "E: unsupported\n");
    }
    StringBuilder out = new StringBuilder();
    for (String pkg : args.subList(1, args.size())) {
      for (String v : available.getOrDefault(pkg, List.of())) {
        out.append(
            String.format(
                " %s | %s | http://archive.ubuntu.com/ubuntu %s%s/main amd64 Packages%n",
                pkg, v, release, SECURITY_SUITE));
      }
      if (installed.containsKey(pkg)) {
        out.append(
            String.format(
                " %s | %s | http://archive.ubuntu.com/ubuntu %s/main amd64 Packages%n",
                pkg, installed.get(pkg), release));
      }
    }
    return ok(out.toString());
  }

  private Reply dpkgQuery(List<String> args) {
    StringBuilder out = new StringBuilder();
    StringBuilder err = new StringBuilder();
    for (String pkg : args) {
      if (pkg.startsWith("-")) {
        continue;
      }
      String v = installed.get(pkg);
      if (v == null) {
        err.append("dpkg-query: no packages found matching ").append(pkg).append('\n');
      } else {
        out.append(pkg).append('\t').append(v).append('\t').append("ii \n");
      }
    }
    return new Reply(err.length() == 0 ? 0 : 1, out.toString(), err.toString());
  }

  private Reply systemctl(List<String> args) {
    if (args.equals(List.of("is-system-running"))) {
      return degraded ? new Reply(1, "degraded\n", "") : ok("running\n");
    }
    if (args.equals(List.of("reboot"))) {
      reboot();
      return ok("");
    }
    if (args.equals(List.of("is-enabled", "apt-daily-upgrade.timer"))) {
      return unattendedUpgrades ? ok("enabled\n") : new Reply(1, "disabled\n", "");
    }
    if (args.size() >= 2 && args.get(0).equals("is-active")) {
      return degraded ? new Reply(3, "failed\n", "") : ok("active\n");
    }
    return new Reply(1, "", "systemctl: unsupported by the emulator\n");
  }

  private Reply tee(List<String> args, byte[] stdin) {
    String text = new String(stdin, StandardCharsets.UTF_8);
    if (args.equals(List.of(Grub.DROP_IN))) {
      grubDropIn = text;
      return ok(text);
    }
    if (args.equals(List.of(AptPackageManager.ADOPT_FILE))) {
      adopted = text.contains("APT::Periodic::Unattended-Upgrade \"0\";");
      return ok(text);
    }
    if (!args.equals(List.of(AptPackageManager.QUARANTINE_FILE))) {
      return new Reply(1, "", "tee: refused by the emulator\n");
    }
    pinned.clear();
    pinned.addAll(AptPackageManager.parsePinFile(text));
    pinFile = true;
    return ok(text);
  }

  private Reply cat(List<String> args) {
    StringBuilder out = new StringBuilder();
    StringBuilder err = new StringBuilder();
    for (String file : args) {
      Optional<String> text = file(file);
      if (text.isPresent()) {
        out.append(text.get());
      } else {
        err.append("cat: ").append(file).append(": No such file or directory\n");
      }
    }
    return new Reply(err.length() == 0 ? 0 : 1, out.toString(), err.toString());
  }

  private Optional<String> file(String path) {
    return switch (path) {
      case "/proc/sys/kernel/random/boot_id" -> Optional.of(bootId + "\n");
      case "/proc/cmdline" ->
          Optional.of(
              "BOOT_IMAGE=/boot/vmlinuz-"
                  + runningKernel
                  + " root=UUID="
                  + rootUuid()
                  + " ro quiet splash"
                  + panicReboot.map(d -> " panic=" + d.toSeconds()).orElse("")
                  + "\n");
      case Grub.GRUB_CFG -> dnf ? Optional.empty() : Optional.of(grubCfg());
      case Grub.DROP_IN -> Optional.ofNullable(grubDropIn);
      case "/etc/os-release" ->
          dnf
              ? Optional.of(
                  "NAME=\"Rocky Linux\"\nVERSION=\""
                      + versionId
                      + " (Blue Onyx)\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n"
                      + "VERSION_ID=\""
                      + versionId
                      + "\"\n")
              : Optional.of(
                  "PRETTY_NAME=\"Ubuntu "
                      + versionId
                      + " LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\""
                      + versionId
                      + "\"\nVERSION_CODENAME="
                      + release
                      + "\nID=ubuntu\nID_LIKE=debian\n");
      case "/sys/class/dmi/id/sys_vendor" -> hardware.map(h -> h.vendor() + "\n");
      case "/sys/class/dmi/id/product_name" -> hardware.map(h -> h.product() + "\n");
      case AptPackageManager.REBOOT_REQUIRED_PKGS ->
          rebootRequired
              ? Optional.of(
                  installed.keySet().stream()
                          .filter(EmulatedHost::isKernel)
                          .collect(java.util.stream.Collectors.joining("\n"))
                      + "\n")
              : Optional.empty();
      case DnfPackageManager.VERSIONLOCK_LIST ->
          dnf && pinFile ? Optional.ofNullable(lockList) : Optional.empty();
      case DnfPackageManager.AUTOMATIC_CONF ->
          dnf && unattendedUpgrades
              ? Optional.of(
                  "[commands]\nupgrade_type = security\ndownload_updates = yes\napply_updates = "
                      + (adopted ? "no" : "yes")
                      + "\n")
              : Optional.empty();
      case AptPackageManager.QUARANTINE_FILE ->
          pinFile
              ? Optional.of(AptPackageManager.pinFile(pinned, "quarantined"))
              : Optional.empty();
      default -> Optional.empty();
    };
  }

  private String bootDir() {
    Set<String> kernels = new java.util.TreeSet<>();
    kernels.add(runningKernel);
    newestInstalledKernel().ifPresent(kernels::add);
    StringBuilder out = new StringBuilder();
    for (String k : kernels) {
      out.append("config-").append(k).append('\n');
      out.append("initrd.img-").append(k).append('\n');
      out.append("vmlinuz-").append(k).append('\n');
    }
    return out.append("vmlinuz\n").toString();
  }

  private String aptPeriodic() {
    StringBuilder out = new StringBuilder("APT::Periodic \"\";\n");
    out.append("APT::Periodic::Update-Package-Lists \"1\";\n");
    if (unattendedUpgrades) {
      out.append("APT::Periodic::Unattended-Upgrade \"1\";\n");
    }
    if (adopted) {
      out.append("APT::Periodic::Unattended-Upgrade \"0\";\n");
    }
    return out.toString();
  }

  private void reboot() {
    reboots++;
    bootId = UUID.randomUUID().toString();
    // GRUB starts the once-only entry if one is set (and forgets it), else the default
    String next = nextEntry.flatMap(this::kernelOf).orElseGet(this::grubDefault);
    nextEntry = Optional.empty();
    Duration delay = bootTime;
    if (dnf) {
      // the booted entry's own arguments (grubby puts a trial's panic= on the new kernel's only)
      String entry = entryArgs.getOrDefault(next, "");
      panicReboot = Grub.panicTimeout(entry);
      panicOnHang = entry.contains("hung_task_panic=1");
    }
    if (panicsBooting(next) || hangsBooting(next)) {
      if (panicReboot.isPresent() && (panicsBooting(next) || panicOnHang)) {
        // panic=<n>: the kernel reboots by itself after n seconds, into the default entry (a hang
        // panics only with softlockup_panic / hung_task_panic)
        fallbacks++;
        delay = bootTime.plus(panicReboot.get()).plus(bootTime);
        next = grubDefault();
        bootId = UUID.randomUUID().toString();
        if (panicsBooting(next) || hangsBooting(next)) {
          panicked = true;
        }
      } else {
        panicked = true;
      }
    }
    for (var e : installed.entrySet()) {
      PackageVersion v = new PackageVersion(e.getKey(), e.getValue());
      if (hasFault(v, FaultEffect.UNHEALTHY_AFTER_REBOOT)) {
        degraded = true;
      }
      if (hasFault(v, FaultEffect.SLOW_BOOT)) {
        delay = delay.multipliedBy(10);
      }
    }
    runningKernel = next;
    if (dnf) {
      panicReboot = Grub.panicTimeout(entryArgs.getOrDefault(next, ""));
    }
    rebootRequired = false;
    downUntil = clock.instant().plus(delay);
  }

  /**
   * Whether booting {@code kernel} panics: a kernel package's panic fault hits only when its own
   * kernel boots; any other package's hits whatever kernel boots (the same userspace).
   */
  private boolean panicsBooting(String kernel) {
    for (var e : installed.entrySet()) {
      PackageVersion v = new PackageVersion(e.getKey(), e.getValue());
      if (!hasFault(v, FaultEffect.PANIC_ON_REBOOT)) {
        continue;
      }
      if (!isKernel(v.name())) {
        return true;
      }
      Optional<String> release =
          dnf ? Optional.of(rpmKernelRelease(v.version())) : kernelRelease(v.version());
      if (release.map(kernel::equals).orElse(true)) {
        return true;
      }
    }
    return false;
  }

  /** Whether booting {@code kernel} hangs (a kernel package's hang fault, its own kernel only). */
  private boolean hangsBooting(String kernel) {
    for (var e : installed.entrySet()) {
      PackageVersion v = new PackageVersion(e.getKey(), e.getValue());
      if (!hasFault(v, FaultEffect.HANG_ON_REBOOT) || !isKernel(v.name())) {
        continue;
      }
      Optional<String> release =
          dnf ? Optional.of(rpmKernelRelease(v.version())) : kernelRelease(v.version());
      if (release.map(kernel::equals).orElse(true)) {
        return true;
      }
    }
    return false;
  }

  /** GRUB's default: the saved entry with GRUB_DEFAULT=saved, else the newest kernel. */
  private String grubDefault() {
    String newest = newestInstalledKernel().orElse(runningKernel);
    if (!grubDefaultSaved) {
      return newest;
    }
    return savedEntry.flatMap(this::kernelOf).orElse(newest);
  }

  /** update-grub: reads the drop-in, writes grub.cfg (the emulator keeps what it decides). */
  private Reply updateGrub() {
    if (dnf) {
      return new Reply(127, "", "update-grub: command not found\n");
    }
    String dropIn = grubDropIn == null ? "" : grubDropIn;
    grubDefaultSaved = dropIn.lines().anyMatch(l -> l.strip().equals("GRUB_DEFAULT=saved"));
    panicOnHang = dropIn.contains("hung_task_panic=1");
    panicReboot =
        dropIn
            .lines()
            .filter(l -> l.startsWith("GRUB_CMDLINE_LINUX_DEFAULT="))
            .reduce((a, b) -> b)
            .flatMap(l -> Grub.panicTimeout(l.substring(l.indexOf('=') + 1).replace("\"", " ")));
    StringBuilder err = new StringBuilder("Sourcing file `/etc/default/grub'\n");
    if (grubDropIn != null) {
      err.append("Sourcing file `").append(Grub.DROP_IN).append("'\n");
    }
    err.append("Generating grub configuration file ...\n");
    for (String k : kernelsOnDisk.descendingSet()) {
      err.append("Found linux image: /boot/vmlinuz-").append(k).append('\n');
      err.append("Found initrd image: /boot/initrd.img-").append(k).append('\n');
    }
    err.append("done\n");
    return new Reply(0, "", err.toString());
  }

  /** grub-set-default and grub-reboot: an entry of the menu, by id (or submenu path of ids). */
  private Reply grubEntry(String cmd, List<String> args) {
    if (!dnf && args.equals(List.of("--version"))) {
      return ok(cmd + " (GRUB) 2.12-1ubuntu7\n");
    }
    if (dnf || args.size() != 1) {
      return new Reply(1, "", cmd + ": unsupported by the emulator\n");
    }
    String entry = args.get(0);
    if (kernelOf(entry).isEmpty()) {
      // GRUB's tools store any string; the boot then falls back to the first entry. Refused
      // here so that a test notices a wrong id at once.
      return new Reply(1, "", cmd + ": no menu entry '" + entry + "' in the emulator\n");
    }
    if (cmd.equals("grub-set-default")) {
      savedEntry = Optional.of(entry);
    } else {
      nextEntry = Optional.of(entry);
    }
    return ok("");
  }

  /** The kernel an entry id boots, if the menu has it. */
  private Optional<String> kernelOf(String entry) {
    if (dnf) {
      String prefix = machineId() + "-";
      return entry.startsWith(prefix) && kernelsOnDisk.contains(entry.substring(prefix.length()))
          ? Optional.of(entry.substring(prefix.length()))
          : Optional.empty();
    }
    return Grub.entries(grubCfg()).stream()
        .filter(e -> e.id().equals(entry))
        .map(Grub.Entry::kernel)
        .findFirst();
  }

  private String rootUuid() {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** The menu Ubuntu's update-grub writes: the newest kernel first, then an advanced submenu. */
  private String grubCfg() {
    String uuid = rootUuid();
    String newest = kernelsOnDisk.last();
    StringBuilder cfg =
        new StringBuilder("#\n# DO NOT EDIT THIS FILE\n#\n# It is automatically generated by")
            .append(" grub-mkconfig using templates\n#\n")
            .append(grubDefaultSaved ? "set default=\"${saved_entry}\"\n" : "set default=\"0\"\n")
            .append("menuentry 'Ubuntu' --class ubuntu --class gnu-linux --class gnu --class os")
            .append(" $menuentry_id_option 'gnulinux-simple-")
            .append(uuid)
            .append("' {\n\tlinux\t/boot/vmlinuz-")
            .append(newest)
            .append(" root=UUID=")
            .append(uuid)
            .append(" ro quiet splash $vt_handoff\n\tinitrd\t/boot/initrd.img-")
            .append(newest)
            .append("\n}\n")
            .append("submenu 'Advanced options for Ubuntu' $menuentry_id_option")
            .append(" 'gnulinux-advanced-")
            .append(uuid)
            .append("' {\n");
    for (String k : kernelsOnDisk.descendingSet()) {
      for (boolean recovery : new boolean[] {false, true}) {
        cfg.append("\tmenuentry 'Ubuntu, with Linux ")
            .append(k)
            .append(recovery ? " (recovery mode)" : "")
            .append("' --class ubuntu --class gnu-linux --class gnu --class os")
            .append(" $menuentry_id_option 'gnulinux-")
            .append(k)
            .append(recovery ? "-recovery-" : "-advanced-")
            .append(uuid)
            .append("' {\n\t\tlinux\t/boot/vmlinuz-")
            .append(k)
            .append(" root=UUID=")
            .append(uuid)
            .append(recovery ? " ro recovery nomodeset" : " ro quiet splash $vt_handoff")
            .append("\n\t\tinitrd\t/boot/initrd.img-")
            .append(k)
            .append("\n\t}\n");
      }
    }
    return cfg.append("}\n").toString();
  }

  private boolean hasFault(PackageVersion v, FaultEffect effect) {
    return faults.stream()
        .anyMatch(
            f ->
                f.effect() == effect
                    && f.packageName().equals(v.name())
                    && f.version().equals(v.version()));
  }

  /** The newest available version not blocked by a pin. */
  private Optional<String> candidate(String pkg) {
    List<String> versions = available.getOrDefault(pkg, List.of());
    for (int i = versions.size() - 1; i >= 0; i--) {
      if (!pinned.contains(new PackageVersion(pkg, versions.get(i)))) {
        return Optional.of(versions.get(i));
      }
    }
    return Optional.empty();
  }

  private String instLine(String pkg, String version) {
    String old = installed.get(pkg);
    return "Inst "
        + pkg
        + (old == null ? "" : " [" + old + "]")
        + " ("
        + version
        + " Ubuntu:"
        + (release.equals("jammy") ? "22.04" : "24.04")
        + "/"
        + release
        + SECURITY_SUITE
        + " [amd64])\n";
  }

  private Optional<String> newestInstalledKernel() {
    return installed.entrySet().stream()
        .filter(e -> isKernel(e.getKey()))
        .map(e -> dnf ? Optional.of(rpmKernelRelease(e.getValue())) : kernelRelease(e.getValue()))
        .flatMap(Optional::stream)
        .max(EmulatedHost::compareNatural);
  }

  static boolean isKernel(String pkg) {
    return pkg.startsWith("linux-image-") || pkg.equals("kernel") || pkg.equals("kernel-core");
  }

  /** {@code 5.14.0-427.13.1.el9_4} to {@code 5.14.0-427.13.1.el9_4.x86_64}. */
  static String rpmKernelRelease(String evr) {
    int colon = evr.indexOf(':');
    return (colon < 0 ? evr : evr.substring(colon + 1)) + ".x86_64";
  }

  /** {@code 6.8.0-49.49} or {@code 5.15.0.126.124} to {@code 6.8.0-49-generic}. */
  static Optional<String> kernelRelease(String version) {
    Matcher m = KERNEL_VERSION.matcher(version);
    return m.matches() ? Optional.of(m.group(1) + "-" + m.group(2) + "-generic") : Optional.empty();
  }

  /** Compares dotted and dashed numbers numerically: 5.15.0-99 before 5.15.0-126. */
  static int compareNatural(String a, String b) {
    String[] x = a.split("[.-]");
    String[] y = b.split("[.-]");
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      int c =
          x[i].matches("\\d{1,9}") && y[i].matches("\\d{1,9}")
              ? Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]))
              : x[i].compareTo(y[i]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.length, y.length);
  }

  /** The argv without a leading {@code sudo -n --} or {@code env VAR=value ...}. */
  static List<String> strip(List<String> argv) {
    List<String> a = argv;
    if (!a.isEmpty() && a.get(0).equals("sudo")) {
      int i = 1;
      while (i < a.size() && a.get(i).startsWith("-")) {
        i++;
      }
      a = a.subList(i, a.size());
    }
    if (!a.isEmpty() && a.get(0).equals("env")) {
      int i = 1;
      while (i < a.size() && a.get(i).matches("[A-Z_]+=.*")) {
        i++;
      }
      a = a.subList(i, a.size());
    }
    return a;
  }

  private static boolean isMutating(List<String> argv) {
    List<String> words = strip(argv);
    if (words.isEmpty()) {
      return false;
    }
    return (words.contains("install") && !words.contains("-s") && !words.contains("--assumeno"))
        || words.contains("reboot")
        || words.get(0).equals("tee")
        || words.get(0).equals("rm");
  }

  private static Reply ok(String out) {
    return new Reply(0, out, "");
  }
}
