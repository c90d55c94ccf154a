package dev.patchwave.host.simulated;

import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.Command;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs commands on {@link EmulatedHost}s, one per {@code transport: simulated} host, created on
 * first use from the host's simulation spec and kept for the life of the executor.
 */
public final class SimulatedHostExecutor implements HostExecutor {

  private final Clock clock;
  private final Duration bootTime;
  private final int commandLog;
  private final Map<String, EmulatedHost> hosts = new ConcurrentHashMap<>();

  public SimulatedHostExecutor(Clock clock, Duration bootTime) {
    this(clock, bootTime, EmulatedHost.DEFAULT_LOG);
  }

  /**
   * @param commandLog how many of the commands each host received it keeps (the newest), for tests
   *     and rehearsals to look at; 0 keeps none
   */
  public SimulatedHostExecutor(Clock clock, Duration bootTime, int commandLog) {
    this.clock = clock;
    this.bootTime = bootTime;
    this.commandLog = commandLog;
  }

  /** The emulated host behind {@code host}, created if needed. */
  public EmulatedHost emulated(Host host) {
    return hosts.computeIfAbsent(
        host.name(), n -> new EmulatedHost(host, clock, bootTime, commandLog));
  }

  public Optional<EmulatedHost> existing(String name) {
    return Optional.ofNullable(hosts.get(name));
  }

  public Collection<EmulatedHost> all() {
    return hosts.values();
  }

  @Override
  public HostSession open(Host host) throws HostException {
    if (host.transport() != Host.Transport.SIMULATED) {
      throw new HostException.NotConfigured(host.name(), "not a simulated host");
    }
    EmulatedHost e = emulated(host);
    if (!e.isUp()) {
      throw new HostException.Unreachable(
          host.name(), "host " + host.name() + " does not answer", null);
    }
    return new HostSession() {
      @Override
      public CommandResult run(Command command) throws HostException {
        Instant start = clock.instant();
        try {
          EmulatedHost.Reply r = e.exec(command.argv(), command.stdin());
          if (r.exitCode() == 255 && !e.isUp()) {
            throw new HostException.ConnectionLost(host.name(), r.stderr().strip(), null);
          }
          return new CommandResult(
              r.exitCode(),
              r.stdout(),
              r.stderr(),
              false,
              Duration.between(start, clock.instant()));
        } catch (EmulatedHost.DownException ex) {
          throw new HostException.Unreachable(host.name(), ex.getMessage(), ex);
        }
      }

      @Override
      public void close() {}
    };
  }
}
