package dev.patchwave.patch;

import java.time.Duration;
import java.util.List;

/**
 * One command to run on a host: an argv list (never a shell string), optional standard input, a
 * timeout, and a kind for metrics and logs. Arguments are handed to the host as separate words;
 * over SSH each is quoted so the remote shell sees exactly these words and nothing else.
 */
public record Command(Kind kind, List<String> argv, byte[] stdin, Duration timeout) {

  public Command {
    argv = List.copyOf(argv);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("empty argv");
    }
    for (String a : argv) {
      if (a.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("NUL in argument");
      }
    }
    stdin = stdin == null ? new byte[0] : stdin.clone();
  }

  public static Command of(Kind kind, Duration timeout, String... argv) {
    return new Command(kind, List.of(argv), null, timeout);
  }

  /** What a command is for; bounded, so usable as a metric label. */
  public enum Kind {
    PROBE,
    LIST_UPDATES,
    SIMULATE_INSTALL,
    INSTALL,
    QUERY_INSTALLED,
    REBOOT,
    HEALTH_CHECK,
    WRITE_PINS,
    /** Reading what a host is and has (a scan); never changes it. */
    SCAN,
    /** Turning a host's own automatic updates off, or back on. */
    ADOPT,
    /** Choosing the kernel the next boots start (GRUB's default and once-only entries). */
    BOOT_CONFIG
  }

  @Override
  public byte[] stdin() {
    return stdin.clone();
  }

  @Override
  public String toString() {
    return kind + " " + String.join(" ", argv);
  }
}
