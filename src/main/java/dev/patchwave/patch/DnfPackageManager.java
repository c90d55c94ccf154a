package dev.patchwave.patch;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * dnf on RHEL, Rocky, Alma and Fedora (dnf 4 and its core plugins). Versions are RPM EVRs ({@code
 * [epoch:]version-release}, the epoch left out when zero, as dnf prints them); an install names
 * {@code name-[epoch:]version-release}.
 *
 * <ul>
 *   <li>Pending updates: {@code check-update} (exits 100 when there are some), marked security by
 *       {@code updateinfo list --updates security}, with the installed versions from {@code rpm
 *       -qa}.
 *   <li>A simulation is {@code install --assumeno}: it prints the transaction and exits 1.
 *   <li>Reboot required: {@code dnf needs-restarting -r} exits 1.
 *   <li>Quarantine: exclude lines ({@code !name-evr.*}) of the versionlock plugin's list, in a
 *       block Patchwave owns; the rest of the list (other people's locks) is kept.
 *   <li>Self-updating: dnf-automatic with {@code apply_updates = yes} and its timer, or
 *       dnf-automatic-install.timer (which installs whatever the setting says).
 * </ul>
 */
public final class DnfPackageManager implements PackageManager {

  public static final String VERSIONLOCK_LIST = "/etc/dnf/plugins/versionlock.list";
  public static final String AUTOMATIC_CONF = "/etc/dnf/automatic.conf";
  static final String BLOCK_BEGIN = "# patchwave quarantine begin";
  static final String BLOCK_END = "# patchwave quarantine end";

  static final Duration QUERY_TIMEOUT = Duration.ofMinutes(2);
  static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(30);

  private static final String QF = "%{NAME}\\t%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}\\n";
  private static final Pattern LIST_ROW =
      Pattern.compile("^(\\S+)\\.([A-Za-z0-9_]+)\\s+(\\S+)\\s+(\\S+)\\s*$");
  private static final Pattern ADVISORY = Pattern.compile("^(\\S+)\\s+(\\S+)\\s+(\\S+)\\s*$");
  private static final Pattern KERNEL_RELEASE = Pattern.compile("[A-Za-z0-9._+-]{1,128}");
  private static final Set<String> TRANSACTION_SECTIONS =
      Set.of(
          "Installing:",
          "Upgrading:",
          "Installing dependencies:",
          "Installing weak dependencies:",
          "Reinstalling:",
          "Downgrading:");

  static final Command CHECK_UPDATE =
      Command.of(Command.Kind.LIST_UPDATES, QUERY_TIMEOUT, "dnf", "-q", "check-update");
  static final Command SECURITY =
      Command.of(
          Command.Kind.LIST_UPDATES,
          QUERY_TIMEOUT,
          "dnf",
          "-q",
          "updateinfo",
          "list",
          "--updates",
          "security");
  static final Command INSTALLED =
      Command.of(Command.Kind.LIST_UPDATES, QUERY_TIMEOUT, "rpm", "-qa", "--qf", QF);
  static final Command NEEDS_RESTARTING =
      Command.of(Command.Kind.PROBE, QUERY_TIMEOUT, "dnf", "needs-restarting", "-r");

  @Override
  public Command refreshIndex() {
    return Command.of(Command.Kind.LIST_UPDATES, QUERY_TIMEOUT, "dnf", "-q", "makecache");
  }

  @Override
  public List<Command> pendingQueries() {
    return List.of(CHECK_UPDATE, SECURITY, INSTALLED);
  }

  @Override
  public boolean accepted(Command command, int exitCode, String stdout, String stderr) {
    if (command.equals(CHECK_UPDATE)) {
      return exitCode == 0 || exitCode == 100;
    }
    if (command.kind() == Command.Kind.SIMULATE_INSTALL) {
      return exitCode == 0 || (exitCode == 1 && stdout.contains("Transaction Summary"));
    }
    return exitCode == 0;
  }

  /** check-update, the security advisories' packages and the installed versions, joined. */
  @Override
  public List<PendingUpdate> parsePending(List<String> outputs) {
    Map<String, String> installed = parseInstalled(outputs.get(2));
    Set<PackageVersion> security = parseSecurity(outputs.get(1));
    List<PendingUpdate> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String[] row : rows(outputs.get(0), "Obsoleting Packages")) {
      String name = row[0];
      String evr = evr(row[2]);
      if (!PackageGrammar.isRpmName(name) || !PackageGrammar.isRpmVersion(evr) || !seen.add(name)) {
        continue; // another arch of the same package, or output not to be trusted
      }
      out.add(
          new PendingUpdate(
              name,
              Optional.ofNullable(installed.get(name)),
              evr,
              List.of(row[3]),
              security.contains(new PackageVersion(name, evr))));
    }
    return out;
  }

  /** The packages of security advisories: {@code RHSA-2026:1234 Important/Sec. name-evr.arch}. */
  static Set<PackageVersion> parseSecurity(String stdout) {
    Set<PackageVersion> out = new HashSet<>();
    for (String line : stdout.split("\n")) {
      Matcher m = ADVISORY.matcher(line.strip());
      if (m.matches() && (m.group(2).endsWith("Sec.") || m.group(2).equals("security"))) {
        nevra(m.group(3)).ifPresent(out::add);
      }
    }
    return out;
  }

  /** {@code name-[epoch:]version-release.arch} to (name, evr). */
  static Optional<PackageVersion> nevra(String text) {
    int dot = text.lastIndexOf('.');
    if (dot <= 0) {
      return Optional.empty();
    }
    String nevr = text.substring(0, dot);
    int release = nevr.lastIndexOf('-');
    int version = release <= 0 ? -1 : nevr.lastIndexOf('-', release - 1);
    if (version <= 0) {
      return Optional.empty();
    }
    String name = nevr.substring(0, version);
    String evr = evr(nevr.substring(version + 1));
    return PackageGrammar.isRpmName(name) && PackageGrammar.isRpmVersion(evr)
        ? Optional.of(new PackageVersion(name, evr))
        : Optional.empty();
  }

  /** The EVR as dnf prints it: without a zero epoch. */
  static String evr(String text) {
    return text.startsWith("0:") ? text.substring(2) : text;
  }

  /**
   * The rows of a dnf package list ({@code name.arch evr repo}) up to a line {@code stopAt}; a name
   * too long for its column is printed alone on its line, the rest on the next.
   */
  private static List<String[]> rows(String stdout, String stopAt) {
    List<String[]> out = new ArrayList<>();
    String[] lines = stdout.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.strip().equals(stopAt)) {
        break;
      }
      if (line.strip().split("\\s+").length == 1 && i + 1 < lines.length) {
        line = line.strip() + " " + lines[i + 1].strip();
      }
      Matcher m = LIST_ROW.matcher(line.strip());
      if (m.matches()) {
        out.add(new String[] {m.group(1), m.group(2), m.group(3), m.group(4)});
      }
    }
    return out;
  }

  @Override
  public Command availableVersions(Collection<String> names) {
    List<String> argv =
        new ArrayList<>(List.of("dnf", "-q", "--showduplicates", "list", "--available"));
    argv.addAll(checkedNames(names));
    return new Command(Command.Kind.LIST_UPDATES, argv, null, QUERY_TIMEOUT);
  }

  @Override
  public Map<String, Set<String>> parseAvailableVersions(String stdout) {
    Map<String, Set<String>> out = new TreeMap<>();
    for (String[] row : rows(stdout, "")) {
      String evr = evr(row[2]);
      if (PackageGrammar.isRpmName(row[0]) && PackageGrammar.isRpmVersion(evr)) {
        out.computeIfAbsent(row[0], k -> new TreeSet<>()).add(evr);
      }
    }
    return out;
  }

  /** {@code dnf --assumeno install}: prints the transaction, changes nothing (exits 1). */
  @Override
  public Command simulateInstall(Collection<PackageVersion> versions) {
    List<String> argv = new ArrayList<>(List.of("dnf", "--assumeno", "install"));
    argv.addAll(exact(versions));
    return new Command(Command.Kind.SIMULATE_INSTALL, argv, null, QUERY_TIMEOUT);
  }

  @Override
  public List<PackageVersion> parseSimulation(String stdout) {
    List<PackageVersion> out = new ArrayList<>();
    boolean inSection = false;
    String[] lines = stdout.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      String t = line.strip();
      if (TRANSACTION_SECTIONS.contains(t)) {
        inSection = true;
        continue;
      }
      if (t.isEmpty() || t.startsWith("Transaction Summary") || t.startsWith("=")) {
        inSection = t.isEmpty() ? false : inSection && !t.startsWith("Transaction");
        continue;
      }
      if (!inSection || !line.startsWith(" ")) {
        continue;
      }
      String[] f = t.split("\\s+");
      if (f.length == 1 && i + 1 < lines.length) {
        f = (t + " " + lines[++i].strip()).split("\\s+");
      }
      if (f.length >= 4) {
        String evr = evr(f[2]);
        if (PackageGrammar.isRpmName(f[0]) && PackageGrammar.isRpmVersion(evr)) {
          out.add(new PackageVersion(f[0], evr));
        }
      }
    }
    return out;
  }

  @Override
  public Command install(Collection<PackageVersion> versions) {
    List<String> argv =
        new ArrayList<>(List.of("dnf", "-y", "--setopt=install_weak_deps=False", "install"));
    argv.addAll(exact(versions));
    return new Command(Command.Kind.INSTALL, argv, null, INSTALL_TIMEOUT);
  }

  @Override
  public InstallFailure classifyFailure(int exitCode, String stderr) {
    String e = stderr == null ? "" : stderr;
    if (e.contains("Waiting for process with pid") || e.contains("is locked by another")) {
      return InstallFailure.LOCKED;
    }
    if (e.contains("Unable to find a match")
        || e.contains("No match for argument")
        || e.contains("filtered out by exclude")) {
      return InstallFailure.VERSION_UNAVAILABLE;
    }
    return InstallFailure.FAILED;
  }

  @Override
  public Command queryInstalled(Collection<String> names) {
    List<String> argv = new ArrayList<>(List.of("rpm", "-q", "--qf", QF));
    argv.addAll(checkedNames(names));
    return new Command(Command.Kind.QUERY_INSTALLED, argv, null, QUERY_TIMEOUT);
  }

  /** {@code name<TAB>evr} lines; "package x is not installed" lines are skipped. */
  @Override
  public Map<String, String> parseInstalled(String stdout) {
    Map<String, String> out = new TreeMap<>();
    for (String line : stdout.split("\n")) {
      String[] f = line.split("\t");
      if (f.length == 2) {
        String evr = evr(f[1].strip());
        if (PackageGrammar.isRpmName(f[0]) && PackageGrammar.isRpmVersion(evr)) {
          out.merge(f[0], evr, (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }
      }
    }
    return out;
  }

  @Override
  public Command rebootProbe() {
    return NEEDS_RESTARTING;
  }

  @Override
  public boolean rebootNeeded(int exitCode, String stdout) {
    return exitCode == 1 && stdout.contains("Reboot is required");
  }

  @Override
  public Command rebootRequiredBy() {
    return NEEDS_RESTARTING;
  }

  /** The {@code * name} lines of needs-restarting. */
  @Override
  public List<String> parseRebootRequiredBy(String stdout) {
    return stdout
        .lines()
        .map(String::strip)
        .filter(l -> l.startsWith("* "))
        .map(l -> l.substring(2).strip())
        .filter(PackageGrammar::isRpmName)
        .distinct()
        .sorted()
        .toList();
  }

  @Override
  public Command nextKernel() {
    return Command.of(Command.Kind.PROBE, QUERY_TIMEOUT, "grubby", "--default-kernel");
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

  @Override
  public Command readQuarantine() {
    return Command.of(Command.Kind.SCAN, QUERY_TIMEOUT, "cat", VERSIONLOCK_LIST);
  }

  /** The excludes of Patchwave's block; empty when the list file is missing. */
  @Override
  public Optional<List<PackageVersion>> parseQuarantine(int exitCode, String stdout) {
    if (exitCode != 0) {
      return Optional.empty();
    }
    List<PackageVersion> out = new ArrayList<>();
    boolean ours = false;
    for (String line : stdout.split("\n")) {
      String t = line.strip();
      if (t.startsWith(BLOCK_BEGIN)) {
        ours = true;
      } else if (t.startsWith(BLOCK_END)) {
        ours = false;
      } else if (ours && t.startsWith("!") && t.endsWith(".*")) {
        nevra(t.substring(1)).ifPresent(out::add);
      }
    }
    out.sort(null);
    return Optional.of(out);
  }

  @Override
  public Command writeQuarantine(
      Collection<PackageVersion> versions, String explanation, String current) {
    return new Command(
        Command.Kind.WRITE_PINS,
        List.of("tee", VERSIONLOCK_LIST),
        lockList(versions, explanation, current).getBytes(StandardCharsets.UTF_8),
        QUERY_TIMEOUT);
  }

  /** {@code current} with Patchwave's block replaced by one excluding {@code versions}. */
  static String lockList(Collection<PackageVersion> versions, String explanation, String current) {
    StringBuilder b = new StringBuilder();
    boolean ours = false;
    for (String line : current.split("\n", -1)) {
      String t = line.strip();
      if (t.startsWith(BLOCK_BEGIN)) {
        ours = true;
      } else if (t.startsWith(BLOCK_END)) {
        ours = false;
      } else if (!ours && !line.isEmpty()) {
        b.append(line).append('\n');
      }
    }
    if (!versions.isEmpty()) {
      b.append(BLOCK_BEGIN)
          .append(": ")
          .append(explanation.replaceAll("\\p{Cntrl}", " "))
          .append('\n');
      for (PackageVersion v : new TreeSet<>(versions)) {
        check(v);
        b.append('!').append(v.name()).append('-').append(v.version()).append(".*\n");
      }
      b.append(BLOCK_END).append('\n');
    }
    return b.toString();
  }

  @Override
  public Command heldPackages() {
    return Command.of(Command.Kind.SCAN, QUERY_TIMEOUT, "dnf", "-q", "versionlock", "list");
  }

  /** Locks ({@code name-evr.*}), not excludes ({@code !...}), by package name. */
  @Override
  public List<String> parseHeld(String stdout) {
    return stdout
        .lines()
        .map(String::strip)
        .filter(l -> !l.startsWith("!") && l.endsWith(".*"))
        .map(l -> nevra(l.substring(0, l.length() - 2) + ".x"))
        .flatMap(Optional::stream)
        .map(PackageVersion::name)
        .distinct()
        .sorted()
        .toList();
  }

  @Override
  public Command selfUpdateConfig() {
    return Command.of(Command.Kind.SCAN, QUERY_TIMEOUT, "cat", AUTOMATIC_CONF);
  }

  @Override
  public Command selfUpdateTimer() {
    return Command.of(
        Command.Kind.SCAN,
        QUERY_TIMEOUT,
        "systemctl",
        "is-enabled",
        "dnf-automatic.timer",
        "dnf-automatic-install.timer");
  }

  /**
   * dnf-automatic installs when its timer is enabled and {@code apply_updates = yes}, or when
   * dnf-automatic-install.timer is enabled (that one installs whatever the setting says).
   */
  @Override
  public HostScan.SelfUpdate parseSelfUpdate(String config, int timerExit, String timerOut) {
    boolean apply = false;
    for (String line : config.split("\n")) {
      String t = line.strip().replace(" ", "");
      if (t.startsWith("apply_updates=")) {
        String v = t.substring("apply_updates=".length()).toLowerCase();
        apply = v.equals("yes") || v.equals("true") || v.equals("1") || v.equals("on");
      }
    }
    List<String> states = timerOut.lines().map(String::strip).toList();
    boolean timer = !states.isEmpty() && states.get(0).equals("enabled");
    boolean installTimer = states.size() > 1 && states.get(1).equals("enabled");
    if (installTimer) {
      return new HostScan.SelfUpdate(true, "dnf-automatic-install.timer enabled");
    }
    if (apply && timer) {
      return new HostScan.SelfUpdate(
          true, "dnf-automatic: apply_updates = yes, dnf-automatic.timer enabled");
    }
    return HostScan.SelfUpdate.NO;
  }

  @Override
  public Command adopt() {
    return setApplyUpdates("no");
  }

  @Override
  public Command restoreAdopted() {
    return setApplyUpdates("yes");
  }

  @Override
  public String adoptionNote() {
    return "set apply_updates = no in " + AUTOMATIC_CONF;
  }

  private static Command setApplyUpdates(String value) {
    return Command.of(
        Command.Kind.ADOPT,
        QUERY_TIMEOUT,
        "sed",
        "-i",
        "-E",
        "s/^([[:space:]]*apply_updates[[:space:]]*=[[:space:]]*).*$/\\1" + value + "/",
        AUTOMATIC_CONF);
  }

  private static List<String> exact(Collection<PackageVersion> versions) {
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("nothing to install");
    }
    return new TreeSet<>(versions).stream().map(v -> check(v).name() + "-" + v.version()).toList();
  }

  private static List<String> checkedNames(Collection<String> names) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("no package names");
    }
    for (String n : names) {
      if (!PackageGrammar.isRpmName(n)) {
        throw new IllegalArgumentException("refused package name: not in the RPM grammar");
      }
    }
    return new TreeSet<>(names).stream().toList();
  }

  private static PackageVersion check(PackageVersion v) {
    if (!PackageGrammar.isRpmName(v.name()) || !PackageGrammar.isRpmVersion(v.version())) {
      throw new IllegalArgumentException("refused package version: not in the RPM grammar");
    }
    return v;
  }
}
