package dev.patchwave.host;

/** Why a host could not be reached or a command could not finish, typed by the reaction. */
public abstract sealed class HostException extends Exception {

  private final String host;

  protected HostException(String host, String message, Throwable cause) {
    super(message, cause);
    this.host = host;
  }

  public String host() {
    return host;
  }

  /** No connection (refused, timed out, down): expected while a host reboots; retry later. */
  public static final class Unreachable extends HostException {
    public Unreachable(String host, String message, Throwable cause) {
      super(host, message, cause);
    }
  }

  /**
   * The controller itself had no free session for the host within its wait (every one of {@code
   * patchwave.ssh.max-sessions} was in use): nothing is known about the host. Never a host fault.
   */
  public static final class Busy extends HostException {
    public Busy(String host, String message) {
      super(host, message, null);
    }
  }

  /**
   * The host's key is not pinned, or not the pinned one: never connect; the host fails and a person
   * must look (a swapped key may be an attacker, or a reinstalled machine).
   */
  public static final class HostKeyRejected extends HostException {
    public HostKeyRejected(String host, String message, Throwable cause) {
      super(host, message, cause);
    }
  }

  /** The command ran longer than its timeout; it was abandoned. */
  public static final class CommandTimedOut extends HostException {
    public CommandTimedOut(String host, String message) {
      super(host, message, null);
    }
  }

  /** The connection dropped while a command ran (a reboot command, or a crash). */
  public static final class ConnectionLost extends HostException {
    public ConnectionLost(String host, String message, Throwable cause) {
      super(host, message, cause);
    }
  }

  /** The adapter is not set up to reach this host (no SSH key configured, unknown transport). */
  public static final class NotConfigured extends HostException {
    public NotConfigured(String host, String message) {
      super(host, message, null);
    }
  }
}
