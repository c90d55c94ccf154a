package dev.patchwave.patch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GRUB on Debian and Ubuntu, for a trial boot (issue 13, ADR 17): the running kernel stays the
 * saved default, the new one is booted once ({@code grub-reboot}), and {@code panic=<n>} on the
 * kernel command line makes a panicking kernel reboot by itself, into the saved default. Only after
 * the host passed its health gate is the new kernel made the default. This class holds the files,
 * the commands (argv lists) and the parsers of what GRUB prints; pure.
 */
public final class Grub {

  /** The controller's drop-in: read by {@code update-grub} after {@code /etc/default/grub}. */
  public static final String DROP_IN = "/etc/default/grub.d/99-patchwave-trial-boot.cfg";

  /** GRUB's environment block: {@code saved_entry}, {@code next_entry}. */
  public static final String GRUBENV = "/boot/grub/grubenv";

  /** The generated menu, which names each kernel's entry. */
  public static final String GRUB_CFG = "/boot/grub/grub.cfg";

  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  private static final Pattern SUBMENU =
      Pattern.compile("^\\s*submenu\\s+'([^']*)'.*\\$menuentry_id_option\\s+'([^']+)'.*\\{\\s*$");
  private static final Pattern MENUENTRY =
      Pattern.compile("^\\s*menuentry\\s+'([^']*)'.*\\$menuentry_id_option\\s+'([^']+)'.*\\{\\s*$");
  private static final Pattern LINUX =
      Pattern.compile("^\\s*linux\\s+(?:/boot)?/vmlinuz-(\\S+)\\s.*$");

  private Grub() {}

  /** One kernel's boot entry: the id {@code grub-reboot} takes (submenu path included). */
  public record Entry(String id, String title, String kernel) {}

  /**
   * The drop-in's text: boot the saved entry by default, and reboot {@code panicTimeout} after a
   * kernel panic (and, with {@code panicOnHang}, after a soft lockup or a hung task too).
   */
  public static String dropIn(Duration panicTimeout, boolean panicOnHang) {
    long seconds = Math.max(1, panicTimeout.toSeconds());
    return "# Written by Patchwave (trial boot): a new kernel is booted once; if it panics or\n"
        + "# hangs, the host reboots by itself into the saved default, the kernel it ran before.\n"
        + "GRUB_DEFAULT=saved\n"
        + "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT panic="
        + seconds
        + (panicOnHang ? " softlockup_panic=1 hung_task_panic=1" : "")
        + "\"\n";
  }

  /**
   * The kernels' entries of a generated {@code grub.cfg}, in menu order, recovery entries left out;
   * an entry inside a submenu has the id {@code submenu-id>entry-id}.
   */
  public static List<Entry> entries(String grubCfg) {
    List<Entry> out = new ArrayList<>();
    List<String> submenus = new ArrayList<>();
    List<Integer> depthOfSubmenu = new ArrayList<>();
    int depth = 0;
    String title = null;
    String id = null;
    for (String line : grubCfg.split("\n")) {
      Matcher sub = SUBMENU.matcher(line);
      Matcher entry = MENUENTRY.matcher(line);
      if (sub.matches()) {
        submenus.add(sub.group(2));
        depthOfSubmenu.add(depth);
        depth++;
        continue;
      }
      if (entry.matches()) {
        title = entry.group(1);
        id =
            submenus.isEmpty() ? entry.group(2) : String.join(">", submenus) + ">" + entry.group(2);
        depth++;
        continue;
      }
      Matcher linux = LINUX.matcher(line);
      if (linux.matches() && title != null && !title.contains("recovery mode")) {
        out.add(new Entry(id, title, linux.group(1)));
        title = null;
        continue;
      }
      if (line.strip().equals("}")) {
        depth--;
        if (!depthOfSubmenu.isEmpty() && depthOfSubmenu.get(depthOfSubmenu.size() - 1) == depth) {
          submenus.remove(submenus.size() - 1);
          depthOfSubmenu.remove(depthOfSubmenu.size() - 1);
        }
        title = null;
      }
    }
    return out;
  }

  /** The entry that boots {@code kernel} (a release such as {@code 6.8.0-49-generic}). */
  public static Optional<Entry> entryFor(List<Entry> entries, String kernel) {
    return entries.stream().filter(e -> e.kernel().equals(kernel)).findFirst();
  }

  /**
   * The entry that boots {@code kernel} and no other: the one of the "Advanced options" submenu,
   * which names the kernel, rather than the top entry, which boots whichever kernel is newest (a
   * kernel installed between the set-up and the reboot would take its place).
   */
  public static Optional<Entry> exactEntryFor(List<Entry> entries, String kernel) {
    return entries.stream()
        .filter(e -> e.kernel().equals(kernel) && e.id().contains(">"))
        .findFirst()
        .or(() -> entryFor(entries, kernel));
  }

  /** {@code grub-editenv list}: its {@code name=value} lines. */
  public static Map<String, String> env(String list) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : list.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0 && !line.startsWith("#")) {
        out.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return out;
  }

  /** {@code panic=<n>} of a kernel command line ({@code /proc/cmdline}), if set. */
  public static Optional<Duration> panicTimeout(String cmdline) {
    Matcher m = Pattern.compile("(?:^|\\s)panic=(\\d{1,6})(?:\\s|$)").matcher(cmdline.strip());
    Optional<Duration> found = Optional.empty();
    while (m.find()) {
      found = Optional.of(Duration.ofSeconds(Long.parseLong(m.group(1))));
    }
    return found;
  }

  /** What a scan runs to learn whether a trial boot is possible (read-only). */
  public static final List<Command> SCAN =
      List.of(
          Command.of(Command.Kind.SCAN, TIMEOUT, "grub-editenv", GRUBENV, "list"),
          Command.of(Command.Kind.SCAN, TIMEOUT, "grub-reboot", "--version"),
          Command.of(Command.Kind.SCAN, TIMEOUT, "test", "-w", GRUBENV));

  /** The answer of {@link #SCAN}'s commands, by their exit codes in order. */
  public static HostScan.BootTrial support(int envExit, int toolExit, int writableExit) {
    return support(GRUBENV, "grub-reboot", envExit, toolExit, writableExit);
  }

  /**
   * Whether a host can boot on trial, from the exit codes of: listing its environment block {@code
   * grubenv}, asking {@code tool} for its version, testing that the block is writable.
   */
  static HostScan.BootTrial support(
      String grubenv, String tool, int envExit, int toolExit, int writableExit) {
    if (envExit != 0) {
      return new HostScan.BootTrial(false, "no GRUB environment block (" + grubenv + ")");
    }
    if (toolExit != 0) {
      return new HostScan.BootTrial(false, tool + " is not installed");
    }
    if (writableExit != 0) {
      return new HostScan.BootTrial(false, grubenv + " is not writable");
    }
    return HostScan.BootTrial.SUPPORTED;
  }

  public static Command writeDropIn(Duration panicTimeout, boolean panicOnHang) {
    return new Command(
        Command.Kind.BOOT_CONFIG,
        List.of("tee", DROP_IN),
        dropIn(panicTimeout, panicOnHang).getBytes(java.nio.charset.StandardCharsets.UTF_8),
        TIMEOUT);
  }

  /** Takes the trial's settings away (the kernel it tried is the default now). */
  public static Command removeDropIn() {
    return Command.of(Command.Kind.BOOT_CONFIG, TIMEOUT, "rm", "-f", DROP_IN);
  }

  public static Command update() {
    return Command.of(Command.Kind.BOOT_CONFIG, TIMEOUT, "update-grub");
  }

  public static Command readMenu() {
    return Command.of(Command.Kind.PROBE, TIMEOUT, "cat", GRUB_CFG);
  }

  public static Command readEnv() {
    return Command.of(Command.Kind.PROBE, TIMEOUT, "grub-editenv", GRUBENV, "list");
  }

  /** The entry every boot starts unless told otherwise. */
  public static Command setDefault(Entry entry) {
    return Command.of(Command.Kind.BOOT_CONFIG, TIMEOUT, "grub-set-default", id(entry));
  }

  /** The entry the next boot, and only the next, starts. */
  public static Command bootOnce(Entry entry) {
    return Command.of(Command.Kind.BOOT_CONFIG, TIMEOUT, "grub-reboot", id(entry));
  }

  private static String id(Entry entry) {
    if (!entry.id().matches("[A-Za-z0-9._>-]{1,300}")) {
      throw new IllegalArgumentException("not a GRUB entry id: " + entry.id());
    }
    return entry.id();
  }
}
