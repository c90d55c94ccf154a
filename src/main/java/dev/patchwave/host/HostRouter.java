package dev.patchwave.host;

import dev.patchwave.inventory.Host;

/** Sends each host to the executor of its transport. */
public final class HostRouter implements HostExecutor {

  private final HostExecutor ssh;
  private final HostExecutor simulated;

  public HostRouter(HostExecutor ssh, HostExecutor simulated) {
    this.ssh = ssh;
    this.simulated = simulated;
  }

  @Override
  public HostSession open(Host host) throws HostException {
    return switch (host.transport()) {
      case SSH -> ssh.open(host);
      case SIMULATED -> simulated.open(host);
    };
  }
}
