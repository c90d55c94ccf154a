package dev.patchwave.patch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The commands a scan runs on any Linux host, whatever its package manager, and the parsers of what
 * they print: the OS ({@code /etc/os-release}), the running kernel, the kernels in {@code /boot},
 * the hardware model (DMI, where readable) and the virtualization ({@code systemd-detect-virt}).
 * Output that does not parse yields nothing rather than a guess.
 */
public final class HostProbe {
  private HostProbe() {}

  static final Duration TIMEOUT = Duration.ofSeconds(30);

  public static final Command OS_RELEASE =
      Command.of(Command.Kind.SCAN, TIMEOUT, "cat", "/etc/os-release");
  public static final Command KERNEL = Command.of(Command.Kind.SCAN, TIMEOUT, "uname", "-r");
  public static final Command BOOT_DIR =
      Command.of(Command.Kind.SCAN, TIMEOUT, "ls", "-1", "/boot");
  public static final Command HARDWARE =
      Command.of(
          Command.Kind.SCAN,
          TIMEOUT,
          "cat",
          "/sys/class/dmi/id/sys_vendor",
          "/sys/class/dmi/id/product_name");
  public static final Command VIRTUALIZATION =
      Command.of(Command.Kind.SCAN, TIMEOUT, "systemd-detect-virt");

  private static final Pattern WORD = Pattern.compile("[A-Za-z0-9._+~-]{1,128}");
  private static final Pattern KERNEL_RELEASE = Pattern.compile("[A-Za-z0-9._+-]{1,128}");

  /** {@code ID} and {@code VERSION_ID} of os-release(5); empty strings when absent or odd. */
  public record Os(String id, String release) {}

  public static Os parseOsRelease(String stdout) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : stdout.split("\n")) {
      int eq = line.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2
          && (value.startsWith("\"") && value.endsWith("\"")
              || value.startsWith("'") && value.endsWith("'"))) {
        value = value.substring(1, value.length() - 1);
      }
      fields.put(line.substring(0, eq).strip(), value);
    }
    return new Os(word(fields.get("ID")), word(fields.get("VERSION_ID")));
  }

  public static String parseKernel(String stdout) {
    String k = stdout.strip();
    return KERNEL_RELEASE.matcher(k).matches() ? k : "";
  }

  /** Kernel releases with an image in {@code /boot} ({@code vmlinuz-<release>}), sorted. */
  public static List<String> parseBootKernels(String stdout) {
    List<String> out = new ArrayList<>();
    for (String line : stdout.split("\n")) {
      String f = line.strip();
      if (f.startsWith("vmlinuz-")) {
        String release = f.substring("vmlinuz-".length());
        if (KERNEL_RELEASE.matcher(release).matches()) {
          out.add(release);
        }
      }
    }
    out.sort(null);
    return out;
  }

  /** "vendor model" from the two DMI files; empty unless both were read. */
  public static Optional<String> parseHardware(int exitCode, String stdout) {
    List<String> lines =
        stdout.lines().map(String::strip).filter(l -> !l.isEmpty()).limit(3).toList();
    if (exitCode != 0 || lines.size() != 2) {
      return Optional.empty();
    }
    String text = (lines.get(0) + " " + lines.get(1)).replaceAll("\\p{Cntrl}", "");
    return text.isBlank() ? Optional.empty() : Optional.of(text);
  }

  /**
   * systemd-detect-virt's one word ({@code kvm}, {@code vmware}, {@code none}, ...); it exits 1
   * with {@code none} on bare metal, which is an answer, not a failure.
   */
  public static Optional<String> parseVirtualization(String stdout) {
    String w = stdout.strip();
    return WORD.matcher(w).matches() ? Optional.of(w) : Optional.empty();
  }

  private static String word(String s) {
    return s != null && WORD.matcher(s).matches() ? s : "";
  }
}
