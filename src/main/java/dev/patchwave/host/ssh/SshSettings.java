package dev.patchwave.host.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How Patchwave reaches SSH hosts. Without a private key and a known_hosts file, SSH hosts are
 * refused: host keys are always pinned, never learned.
 *
 * @param sudo prefix commands with {@code sudo -n --} (for a non-root user with sudo rights)
 * @param maxSessions how many hosts may have an open session at once
 * @param maxOutputBytes how much of each of stdout and stderr is kept per command
 */
public record SshSettings(
    String user,
    Optional<Path> privateKeyFile,
    Optional<Path> knownHostsFile,
    Duration connectTimeout,
    boolean sudo,
    int maxSessions,
    int maxOutputBytes) {}
