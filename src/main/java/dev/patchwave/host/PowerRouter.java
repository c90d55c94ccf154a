package dev.patchwave.host;

import dev.patchwave.inventory.Host;

/**
 * Sends each host to its power adapter: a host with a {@code bmc} in the inventory to Redfish, a
 * simulated host without one to the emulated host's own power button, any other host to none.
 */
public final class PowerRouter implements PowerControl {

  private final PowerControl redfish;
  private final PowerControl simulated;

  public PowerRouter(PowerControl redfish, PowerControl simulated) {
    this.redfish = redfish;
    this.simulated = simulated;
  }

  @Override
  public Outcome forceRestart(Host host) {
    if (host.bmc().isPresent()) {
      return redfish.forceRestart(host);
    }
    if (host.transport() == Host.Transport.SIMULATED) {
      return simulated.forceRestart(host);
    }
    return NONE.forceRestart(host);
  }
}
