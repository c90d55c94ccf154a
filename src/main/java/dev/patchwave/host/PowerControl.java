package dev.patchwave.host;

import dev.patchwave.inventory.Host;

/**
 * Out-of-band power for a host that does not come back (ADR 18): a force restart through its BMC.
 * The port; {@code redfish/} (Redfish {@code ComputerSystem.Reset}) and the simulated hosts are the
 * adapters.
 */
public interface PowerControl {

  /** What a power action did: {@code done} when the BMC accepted it, else why not. */
  record Outcome(boolean done, String detail) {
    public static Outcome done(String detail) {
      return new Outcome(true, detail);
    }

    public static Outcome notDone(String why) {
      return new Outcome(false, why);
    }
  }

  /** Restarts the host at once, without a shutdown (it hangs). Never throws. */
  Outcome forceRestart(Host host);

  /** No power control at all. */
  PowerControl NONE = host -> Outcome.notDone("no BMC is configured for " + host.name());
}
