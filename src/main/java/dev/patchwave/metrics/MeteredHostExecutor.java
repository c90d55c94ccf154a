package dev.patchwave.metrics;

import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.Command;
import java.time.Duration;

/** Times every command run on a host, by command kind and transport (never by host). */
public final class MeteredHostExecutor implements HostExecutor {

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
        long start = System.nanoTime();
        boolean ok = false;
        try {
          CommandResult r = session.run(command);
          ok = r.succeeded();
          return r;
        } finally {
          metrics.command(
              command.kind().name().toLowerCase(),
              transport,
              Duration.ofNanos(System.nanoTime() - start),
              ok);
        }
      }

      @Override
      public java.util.List<CommandResult> runAll(dev.patchwave.patch.Batch batch)
          throws HostException {
        long start = System.nanoTime();
        boolean ok = false;
        try {
          java.util.List<CommandResult> r = session.runAll(batch);
          ok = r.stream().allMatch(CommandResult::succeeded);
          return r;
        } finally {
          // one batch is one command on the host (one SSH exec): counted once, by the batch's kind
          metrics.command(
              batch.kind().name().toLowerCase(),
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
