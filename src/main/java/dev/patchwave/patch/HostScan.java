package dev.patchwave.patch;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one scan learned about a host: its OS, kernels, whether it waits for a reboot, the updates
 * it has pending (with their origin), held packages, the controller's pin file as found, whether it
 * would update itself, and the installed versions of the packages the previous scan saw pending (so
 * that a later scan can tell an update nobody rolled out).
 *
 * @param pinFile the versions the quarantine pin file blocks; empty when the file is missing
 * @param installed installed versions of the packages asked about (previously pending ones)
 * @param bootTrial whether a new kernel can be booted once on trial (GRUB), and if not why
 */
public record HostScan(
    Instant at,
    String osId,
    String osRelease,
    String kernel,
    List<String> installedKernels,
    boolean rebootRequired,
    List<String> rebootRequiredBy,
    List<PendingUpdate> pending,
    List<String> held,
    Optional<List<PackageVersion>> pinFile,
    SelfUpdate selfUpdate,
    Optional<String> hardware,
    Optional<String> virtualization,
    Map<String, String> installed,
    BootTrial bootTrial) {

  /** The label prefix reserved for facts; inventory labels may not use it. */
  public static final String FACTS_PREFIX = "facts.patchwave.dev/";

  public static final String OS_ID = FACTS_PREFIX + "os-id";
  public static final String OS_RELEASE = FACTS_PREFIX + "os-release";
  public static final String KERNEL = FACTS_PREFIX + "kernel";
  public static final String HARDWARE = FACTS_PREFIX + "hardware";
  public static final String VIRTUALIZATION = FACTS_PREFIX + "virtualization";

  /**
   * Whether the host can boot a new kernel once on trial ({@link Grub}): GRUB's environment block
   * readable and writable, and {@code grub-reboot} installed; if not, why.
   */
  public record BootTrial(boolean supported, String why) {
    /** A scan stored before this was scanned. */
    public static final BootTrial NOT_SCANNED = new BootTrial(false, "not scanned yet");

    public static final BootTrial SUPPORTED = new BootTrial(true, "");
  }

  public HostScan {
    bootTrial = bootTrial == null ? BootTrial.NOT_SCANNED : bootTrial;
    installedKernels = List.copyOf(installedKernels);
    rebootRequiredBy = List.copyOf(rebootRequiredBy);
    pending = List.copyOf(pending);
    held = List.copyOf(held);
    pinFile = pinFile.map(List::copyOf);
    installed = Map.copyOf(installed);
  }

  /**
   * Whether the host would install updates by itself, and how (for example {@code
   * unattended-upgrades: APT::Periodic::Unattended-Upgrade "1", apt-daily-upgrade.timer enabled}).
   */
  public record SelfUpdate(boolean updatesItself, String how) {
    public static final SelfUpdate NO = new SelfUpdate(false, "");
  }

  /** The facts as labels under {@link #FACTS_PREFIX}, each value made a valid label value. */
  public SortedMap<String, String> factLabels() {
    SortedMap<String, String> out = new TreeMap<>();
    put(out, OS_ID, osId);
    put(out, OS_RELEASE, osRelease);
    put(out, KERNEL, kernel);
    hardware.ifPresent(h -> put(out, HARDWARE, h));
    virtualization.ifPresent(v -> put(out, VIRTUALIZATION, v));
    return out;
  }

  public List<PendingUpdate> securityUpdates() {
    return pending.stream().filter(PendingUpdate::security).toList();
  }

  private static void put(Map<String, String> out, String key, String raw) {
    String value = labelValue(raw);
    if (!value.isEmpty()) {
      out.put(key, value);
    }
  }

  /**
   * {@code raw} as a label value: characters outside letters, digits, '-', '_' and '.' become '-',
   * runs of them one, trimmed to 63 characters that start and end with a letter or digit. "Dell
   * Inc. PowerEdge R640" becomes {@code Dell-Inc.-PowerEdge-R640}.
   */
  public static String labelValue(String raw) {
    String s = raw == null ? "" : raw.strip().replaceAll("[^A-Za-z0-9_.-]+", "-");
    if (s.length() > 63) {
      s = s.substring(0, 63);
    }
    return s.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
  }
}
