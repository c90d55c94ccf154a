package dev.patchwave.patch;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GRUB on RHEL, Rocky, Alma and Fedora (Boot Loader Specification entries, managed by {@code
 * grubby}), for a trial boot (ADR 17): the new kernel's entry alone gets {@code panic=<n>} (and,
 * optionally, {@code softlockup_panic=1 hung_task_panic=1}), the running kernel is made the saved
 * default again ({@code kernel-install} made the new one the default when it was installed), and
 * the new kernel is booted once ({@code grub2-reboot} with its entry's id). A panicking kernel
 * reboots by itself into the saved default. Only after the host passed its health gate is the new
 * kernel made the default and its trial arguments removed. Commands (argv lists) and parsers; pure.
 */
public final class Grubby {

  /** GRUB's environment block on these hosts: {@code saved_entry}, {@code next_entry}. */
  public static final String GRUBENV = "/boot/grub2/grubenv";

  /** The kernel arguments a trial adds, by name (what {@link #keepArgs} removes). */
  public static final String TRIAL_ARGS = "panic softlockup_panic hung_task_panic";

  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  private static final Pattern RELEASE = Pattern.compile("[A-Za-z0-9._+-]{1,200}");
  private static final Pattern ENTRY = Pattern.compile("[A-Za-z0-9._+-]{1,300}");
  private static final Pattern ID = Pattern.compile("^id=\"?([A-Za-z0-9._+-]{1,300})\"?\\s*$");

  private Grubby() {}

  /** What a scan runs to learn whether a trial boot is possible (read-only). */
  public static final List<Command> SCAN =
      List.of(
          Command.of(Command.Kind.SCAN, TIMEOUT, "grub2-editenv", GRUBENV, "list"),
          Command.of(Command.Kind.SCAN, TIMEOUT, "grub2-reboot", "--version"),
          Command.of(Command.Kind.SCAN, TIMEOUT, "test", "-w", GRUBENV));

  /** The answer of {@link #SCAN}'s commands, by their exit codes in order. */
  public static HostScan.BootTrial support(int envExit, int toolExit, int writableExit) {
    return Grub.support(GRUBENV, "grub2-reboot", envExit, toolExit, writableExit);
  }

  /** {@code /boot/vmlinuz-<release>}, the name grubby knows a kernel's entry by. */
  public static String kernelPath(String release) {
    if (!RELEASE.matcher(release).matches()) {
      throw new IllegalArgumentException("not a kernel release: " + release);
    }
    return "/boot/vmlinuz-" + release;
  }

  /** {@code panic=<n>} and, with {@code panicOnHang}, the hang panics: one argument string. */
  public static String trialArgs(Duration panicTimeout, boolean panicOnHang) {
    return "panic="
        + Math.max(1, panicTimeout.toSeconds())
        + (panicOnHang ? " softlockup_panic=1 hung_task_panic=1" : "");
  }

  /** Adds the trial's arguments to {@code release}'s entry only. */
  public static Command armArgs(String release, Duration panicTimeout, boolean panicOnHang) {
    return Command.of(
        Command.Kind.BOOT_CONFIG,
        TIMEOUT,
        "grubby",
        "--update-kernel=" + kernelPath(release),
        "--args=" + trialArgs(panicTimeout, panicOnHang));
  }

  /** Takes the trial's arguments off {@code release}'s entry again. */
  public static Command keepArgs(String release) {
    return Command.of(
        Command.Kind.BOOT_CONFIG,
        TIMEOUT,
        "grubby",
        "--update-kernel=" + kernelPath(release),
        "--remove-args=" + TRIAL_ARGS);
  }

  /** The entry every boot starts unless told otherwise (grubenv's {@code saved_entry}). */
  public static Command setDefault(String release) {
    return Command.of(
        Command.Kind.BOOT_CONFIG, TIMEOUT, "grubby", "--set-default=" + kernelPath(release));
  }

  /** {@code release}'s entry as grubby prints it ({@code id=...} among its lines). */
  public static Command info(String release) {
    return Command.of(Command.Kind.PROBE, TIMEOUT, "grubby", "--info=" + kernelPath(release));
  }

  /** The entry the next boot, and only the next, starts. */
  public static Command bootOnce(String entryId) {
    if (!ENTRY.matcher(entryId).matches()) {
      throw new IllegalArgumentException("not a boot entry id: " + entryId);
    }
    return Command.of(Command.Kind.BOOT_CONFIG, TIMEOUT, "grub2-reboot", entryId);
  }

  /** The entry id of {@code grubby --info} (the BLS file's name without {@code .conf}). */
  public static Optional<String> entryId(String info) {
    for (String line : info.split("\n")) {
      Matcher m = ID.matcher(line.strip());
      if (m.matches()) {
        return Optional.of(m.group(1));
      }
    }
    return Optional.empty();
  }
}
