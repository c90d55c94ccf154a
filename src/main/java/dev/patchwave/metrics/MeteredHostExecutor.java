package dev.patchwave.metrics;

import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.Batch;
import dev.patchwave.patch.Command;
import java.time.Duration;
import java.util.List;

/** Times every command run on a host, by command kind and transport (never by host). */
public final class MeteredHostExecutor implements HostExecutor {

  /** A call to the host that may fail with a host error. */
  @FunctionalInterface
  private interface Call {
    List<CommandResult> run() throws HostException;
  }

  private final HostExecutor delegate;
  private final PatchwaveMetrics metrics;

  public MeteredHostExecutor(HostExecutor delegate, PatchwaveMetrics metrics) {
    this.delegate = delegate;
    this.metrics = metrics;
  }

  @Override
  public HostSession open(Host host) throws HostException {
    HostSession session = delegate.open(host);
    String transport = host.transport().name().toLowerCase();
    return new HostSession() {
      @Override
      public CommandResult run(Command command) throws HostException {
        return timed(command.kind(), () -> List.of(session.run(command))).get(0);
      }

      /** One batch is one command on the host (one SSH exec): counted once, by its kind. */
      @Override
      public List<CommandResult> runAll(Batch batch) throws HostException {
        return timed(batch.kind(), () -> session.runAll(batch));
      }

      private List<CommandResult> timed(Command.Kind kind, Call call) throws HostException {
        long start = System.nanoTime();
        boolean ok = false;
        try {
          List<CommandResult> r = call.run();
          ok = r.stream().allMatch(CommandResult::succeeded);
          return r;
        } finally {
          metrics.command(
              kind.name().toLowerCase(),
              transport,
              Duration.ofNanos(System.nanoTime() - start),
              ok);
        }
      }

      @Override
      public void close() {
        session.close();
      }
    };
  }
}
