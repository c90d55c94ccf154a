package dev.patchwave.patch;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * apt on Debian and Ubuntu.
 *
 * <ul>
 *   <li>Pending updates come from a simulated {@code dist-upgrade} ({@code apt-get -s}), whose
 *       {@code Inst} lines name the candidate version and the suites it comes from; a suite ending
 *       in {@code -security} marks a security update.
 *   <li>Installs name exact versions ({@code pkg=version}), run non-interactively, keep existing
 *       configuration files ({@code --force-confold}) and wait up to a minute for the dpkg lock.
 *   <li>Quarantine is an apt preferences file with {@code Pin-Priority: -1} per blocked version.
 * </ul>
 */
public final class AptPackageManager implements PackageManager {

  public static final String QUARANTINE_FILE = "/etc/apt/preferences.d/patchwave-quarantine";
  public static final String REBOOT_REQUIRED_FILE = "/var/run/reboot-required";
  public static final String REBOOT_REQUIRED_PKGS = "/var/run/reboot-required.pkgs";

  /**
   * The drop-in that turns unattended-upgrades' installs off; read after {@code 20auto-upgrades}
   * and {@code 50unattended-upgrades}, so it wins. Downloads (Update-Package-Lists) stay as they
   * are.
   */
  public static final String ADOPT_FILE = "/etc/apt/apt.conf.d/99patchwave-adopt";

  static final String ADOPT_TEXT =
      "// Written by Patchwave (policy adopt: true): updates are rolled out in waves by the\n"
          + "// controller, not installed by unattended-upgrades. Removed by adopt: false.\n"
          + "APT::Periodic::Unattended-Upgrade \"0\";\n";

  private static final Pattern UNATTENDED =
      Pattern.compile("^APT::Periodic::Unattended-Upgrade \"([^\"]*)\";$");

  static final Duration QUERY_TIMEOUT = Duration.ofMinutes(2);
  static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(30);

  /** {@code Inst name [installed] (candidate suites [arch])}, optionally followed by {@code []}. */
  private static final Pattern INST =
      Pattern.compile("^Inst (\\S+) (?:\\[(\\S+)\\] )?\\((\\S+) (.*?) ?\\[[^\\]]*\\]\\).*$");

  private static final Pattern MADISON = Pattern.compile("^\\s*(\\S+) \\| (\\S+) \\| .*$");
  private static final Pattern KERNEL_RELEASE = Pattern.compile("[A-Za-z0-9._+-]{1,128}");

  private static final List<String> NO_LOCK = List.of("-o", "Debug::NoLocking=1");

  @Override
  public Command refreshIndex() {
    return Command.of(Command.Kind.LIST_UPDATES, QUERY_TIMEOUT, "apt-get", "-q", "update");
  }

  @Override
  public List<Command> pendingQueries() {
    return List.of(listUpdates());
  }

  @Override
  public List<PendingUpdate> parsePending(List<String> outputs) {
    return parseUpdates(outputs.get(0));
  }

  /** A simulated dist-upgrade: every pending update with its candidate and suites. */
  public Command listUpdates() {
    List<String> argv = new ArrayList<>(List.of("apt-get", "-s", "-q"));
    argv.addAll(NO_LOCK);
    argv.add("dist-upgrade");
    return new Command(Command.Kind.LIST_UPDATES, argv, null, QUERY_TIMEOUT);
  }

  /** The {@code Inst} lines of a simulation, as pending updates. */
  public List<PendingUpdate> parseUpdates(String stdout) {
    List<PendingUpdate> out = new ArrayList<>();
    for (String line : stdout.split("\n")) {
      Matcher m = INST.matcher(line.strip());
      if (!m.matches()) {
        continue;
      }
      String name = m.group(1);
      String installed = m.group(2);
      String candidate = m.group(3);
      if (!PackageGrammar.isDebianName(name)
          || !PackageGrammar.isDebianVersion(candidate)
          || (installed != null && !PackageGrammar.isDebianVersion(installed))) {
        // Never let unexpected remote output near a command line.
        continue;
      }
      List<String> suites = new ArrayList<>();
      for (String origin : m.group(4).split(",")) {
        String o = origin.strip();
        suites.add(o.substring(o.lastIndexOf('/') + 1));
      }
      boolean security =
          suites.stream().anyMatch(s -> s.endsWith("-security")) || m.group(4).contains("Security");
      out.add(new PendingUpdate(name, Optional.ofNullable(installed), candidate, suites, security));
    }
    return out;
  }

  @Override
  public Command availableVersions(Collection<String> names) {
    List<String> argv = new ArrayList<>(List.of("apt-cache", "madison"));
    argv.addAll(checkedNames(names));
    return new Command(Command.Kind.LIST_UPDATES, argv, null, QUERY_TIMEOUT);
  }

  @Override
  public Map<String, Set<String>> parseAvailableVersions(String stdout) {
    Map<String, Set<String>> out = new TreeMap<>();
    for (String line : stdout.split("\n")) {
      Matcher m = MADISON.matcher(line);
      if (m.matches()
          && PackageGrammar.isDebianName(m.group(1))
          && PackageGrammar.isDebianVersion(m.group(2))) {
        out.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
      }
    }
    return out;
  }

  @Override
  public Command simulateInstall(Collection<PackageVersion> versions) {
    List<String> argv = new ArrayList<>(List.of("apt-get", "-s", "-q"));
    argv.addAll(NO_LOCK);
    argv.addAll(List.of("--no-install-recommends", "install"));
    argv.addAll(pinnedArgs(versions));
    return new Command(Command.Kind.SIMULATE_INSTALL, argv, null, QUERY_TIMEOUT);
  }

  @Override
  public List<PackageVersion> parseSimulation(String stdout) {
    return parseUpdates(stdout).stream().map(PendingUpdate::candidateVersion).toList();
  }

  /** The {@code Inst} lines of the simulation checked on the host ({@link Batch.InstallsOnly}). */
  @Override
  public Optional<Batch.Step> installGuard(Collection<PackageVersion> allowed) {
    return Optional.of(new Batch.InstallsOnly(new TreeSet<>(allowed)));
  }

  @Override
  public Command install(Collection<PackageVersion> versions) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "env",
                "DEBIAN_FRONTEND=noninteractive",
                "NEEDRESTART_MODE=l",
                "apt-get",
                "-q",
                "-y",
                "-o",
                "Dpkg::Options::=--force-confdef",
                "-o",
                "Dpkg::Options::=--force-confold",
                "-o",
                "DPkg::Lock::Timeout=60",
                "--no-install-recommends",
                "install"));
    argv.addAll(pinnedArgs(versions));
    return new Command(Command.Kind.INSTALL, argv, null, INSTALL_TIMEOUT);
  }

  @Override
  public InstallFailure classifyFailure(int exitCode, String stderr) {
    String e = stderr == null ? "" : stderr;
    if (e.contains("Could not get lock") || e.contains("Unable to acquire the dpkg")) {
      return InstallFailure.LOCKED;
    }
    if (e.contains("was not found") || e.contains("has no installation candidate")) {
      return InstallFailure.VERSION_UNAVAILABLE;
    }
    return InstallFailure.FAILED;
  }

  @Override
  public Command queryInstalled(Collection<String> names) {
    List<String> argv =
        new ArrayList<>(
            List.of("dpkg-query", "-W", "-f=${Package}\\t${Version}\\t${db:Status-Abbrev}\\n"));
    argv.addAll(checkedNames(names));
    return new Command(Command.Kind.QUERY_INSTALLED, argv, null, QUERY_TIMEOUT);
  }

  @Override
  public Map<String, String> parseInstalled(String stdout) {
    Map<String, String> out = new TreeMap<>();
    for (String line : stdout.split("\n")) {
      String[] f = line.split("\t");
      if (f.length >= 3
          && f[2].startsWith("ii")
          && PackageGrammar.isDebianName(f[0])
          && PackageGrammar.isDebianVersion(f[1])) {
        out.put(f[0], f[1]);
      }
    }
    return out;
  }

  @Override
  public Command rebootProbe() {
    return rebootRequired();
  }

  @Override
  public boolean rebootNeeded(int exitCode, String stdout) {
    return exitCode == 0;
  }

  /** Exits 0 when the host needs a reboot ({@code /var/run/reboot-required} exists). */
  public Command rebootRequired() {
    return Command.of(Command.Kind.PROBE, QUERY_TIMEOUT, "test", "-f", REBOOT_REQUIRED_FILE);
  }

  @Override
  public Command nextKernel() {
    return Command.of(Command.Kind.PROBE, QUERY_TIMEOUT, "readlink", "-f", "/boot/vmlinuz");
  }

  @Override
  public Optional<String> parseNextKernel(String stdout) {
    String path = stdout.strip();
    if (!path.startsWith("/boot/vmlinuz-")) {
      return Optional.empty();
    }
    String release = path.substring("/boot/vmlinuz-".length());
    return KERNEL_RELEASE.matcher(release).matches() ? Optional.of(release) : Optional.empty();
  }

  /** The pin file is Patchwave's alone: what was there does not matter. */
  @Override
  public Command writeQuarantine(
      Collection<PackageVersion> versions, String explanation, String current) {
    return writeQuarantine(versions, explanation);
  }

  /** Writes the pin file blocking {@code versions} (removes it when there are none). */
  public Command writeQuarantine(Collection<PackageVersion> versions, String explanation) {
    if (versions.isEmpty()) {
      return Command.of(Command.Kind.WRITE_PINS, QUERY_TIMEOUT, "rm", "-f", QUARANTINE_FILE);
    }
    return new Command(
        Command.Kind.WRITE_PINS,
        List.of("tee", QUARANTINE_FILE),
        pinFile(versions, explanation).getBytes(StandardCharsets.UTF_8),
        QUERY_TIMEOUT);
  }

  @Override
  public Command readQuarantine() {
    return Command.of(Command.Kind.SCAN, QUERY_TIMEOUT, "cat", QUARANTINE_FILE);
  }

  @Override
  public Optional<List<PackageVersion>> parseQuarantine(int exitCode, String stdout) {
    if (exitCode != 0) {
      return Optional.empty();
    }
    return Optional.of(
        parsePinFile(stdout).stream()
            .filter(
                v ->
                    PackageGrammar.isDebianName(v.name())
                        && PackageGrammar.isDebianVersion(v.version()))
            .sorted()
            .toList());
  }

  @Override
  public Command heldPackages() {
    return Command.of(Command.Kind.SCAN, QUERY_TIMEOUT, "apt-mark", "showhold");
  }

  @Override
  public List<String> parseHeld(String stdout) {
    return stdout.lines().map(String::strip).filter(PackageGrammar::isDebianName).sorted().toList();
  }

  @Override
  public Command rebootRequiredBy() {
    return Command.of(Command.Kind.SCAN, QUERY_TIMEOUT, "cat", REBOOT_REQUIRED_PKGS);
  }

  @Override
  public List<String> parseRebootRequiredBy(String stdout) {
    return stdout
        .lines()
        .map(String::strip)
        .filter(PackageGrammar::isDebianName)
        .distinct()
        .sorted()
        .toList();
  }

  @Override
  public Command selfUpdateConfig() {
    return Command.of(Command.Kind.SCAN, QUERY_TIMEOUT, "apt-config", "dump", "APT::Periodic");
  }

  @Override
  public Command selfUpdateTimer() {
    return Command.of(
        Command.Kind.SCAN, QUERY_TIMEOUT, "systemctl", "is-enabled", "apt-daily-upgrade.timer");
  }

  /**
   * unattended-upgrades installs when {@code APT::Periodic::Unattended-Upgrade} is non-zero and
   * {@code apt-daily-upgrade.timer} is enabled (the timer runs it).
   */
  @Override
  public HostScan.SelfUpdate parseSelfUpdate(String config, int timerExit, String timerOut) {
    String value = "";
    for (String line : config.split("\n")) {
      Matcher m = UNATTENDED.matcher(line.strip());
      if (m.matches()) {
        value = m.group(1); // the last one wins, as in apt
      }
    }
    boolean on = !value.isEmpty() && !value.equals("0");
    boolean timer = timerExit == 0 && timerOut.strip().startsWith("enabled");
    if (on && timer) {
      return new HostScan.SelfUpdate(
          true,
          "unattended-upgrades: APT::Periodic::Unattended-Upgrade \""
              + value.replaceAll("[^A-Za-z0-9]", "")
              + "\", apt-daily-upgrade.timer enabled");
    }
    return HostScan.SelfUpdate.NO;
  }

  @Override
  public Command adopt() {
    return new Command(
        Command.Kind.ADOPT,
        List.of("tee", ADOPT_FILE),
        ADOPT_TEXT.getBytes(StandardCharsets.UTF_8),
        QUERY_TIMEOUT);
  }

  @Override
  public Command restoreAdopted() {
    return Command.of(Command.Kind.ADOPT, QUERY_TIMEOUT, "rm", "-f", ADOPT_FILE);
  }

  @Override
  public String adoptionNote() {
    return "wrote " + ADOPT_FILE + " (APT::Periodic::Unattended-Upgrade \"0\")";
  }

  /** The apt preferences file that blocks {@code versions}. */
  public static String pinFile(Collection<PackageVersion> versions, String explanation) {
    String why = explanation.replaceAll("[\\p{Cntrl}]", " ");
    StringBuilder b = new StringBuilder();
    for (PackageVersion v : new TreeSet<>(versions)) {
      check(v);
      if (b.length() > 0) {
        b.append('\n');
      }
      b.append("Explanation: ").append(why).append('\n');
      b.append("Package: ").append(v.name()).append('\n');
      b.append("Pin: version ").append(v.version()).append('\n');
      b.append("Pin-Priority: -1\n");
    }
    return b.toString();
  }

  /** Reads back the versions a quarantine file blocks. */
  public static List<PackageVersion> parsePinFile(String text) {
    List<PackageVersion> out = new ArrayList<>();
    for (String stanza : text.split("\n\\s*\n")) {
      Map<String, String> f = new LinkedHashMap<>();
      for (String line : stanza.split("\n")) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          f.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
        }
      }
      String pin = f.getOrDefault("Pin", "");
      if (f.containsKey("Package")
          && pin.startsWith("version ")
          && "-1".equals(f.get("Pin-Priority"))) {
        out.add(new PackageVersion(f.get("Package"), pin.substring("version ".length())));
      }
    }
    return out;
  }

  private static List<String> pinnedArgs(Collection<PackageVersion> versions) {
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("nothing to install");
    }
    return new TreeSet<>(versions).stream().map(v -> check(v).pinned()).toList();
  }

  private static List<String> checkedNames(Collection<String> names) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("no package names");
    }
    for (String n : names) {
      if (!PackageGrammar.isDebianName(n)) {
        throw new IllegalArgumentException("refused package name: not in the Debian grammar");
      }
    }
    return new TreeSet<>(names).stream().toList();
  }

  private static PackageVersion check(PackageVersion v) {
    if (!PackageGrammar.isDebianName(v.name()) || !PackageGrammar.isDebianVersion(v.version())) {
      throw new IllegalArgumentException("refused package version: not in the Debian grammar");
    }
    return v;
  }
}
