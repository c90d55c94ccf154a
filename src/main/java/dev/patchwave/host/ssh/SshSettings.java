package dev.patchwave.host.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How Patchwave reaches SSH hosts. Without a private key and a known_hosts file, SSH hosts are
 * refused: host keys are always pinned, never learned.
 *
 * @param sudo prefix commands with {@code sudo -n --} (for a non-root user with sudo rights)
 * @param maxSessions how many sessions may be in use at once (steps talking to hosts)
 * @param maxOutputBytes how much of each of stdout and stderr is kept per command
 * @param idleTimeout how long a connection that finished a step cleanly stays open for the host's
 *     next step (zero: every step connects anew)
 * @param maxIdle how many such connections may stay open (the longest idle is closed first)
 */
public record SshSettings(
    String user,
    Optional<Path> privateKeyFile,
    Optional<Path> knownHostsFile,
    Duration connectTimeout,
    boolean sudo,
    int maxSessions,
    int maxOutputBytes,
    Duration idleTimeout,
    int maxIdle) {

  public SshSettings {
    if (idleTimeout.isNegative() || maxIdle < 0) {
      throw new IllegalArgumentException("idle timeout or max idle is negative");
    }
  }

  /** Settings that keep no connection open between steps. */
  public SshSettings(
      String user,
      Optional<Path> privateKeyFile,
      Optional<Path> knownHostsFile,
      Duration connectTimeout,
      boolean sudo,
      int maxSessions,
      int maxOutputBytes) {
    this(
        user,
        privateKeyFile,
        knownHostsFile,
        connectTimeout,
        sudo,
        maxSessions,
        maxOutputBytes,
        Duration.ZERO,
        0);
  }
}
