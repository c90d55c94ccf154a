package dev.patchwave.host;

import dev.patchwave.inventory.Host;
import dev.patchwave.patch.Batch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens sessions to hosts.
 *
 * <p>Contract: {@link #open} blocks until the host is connected and authenticated, or fails within
 * the adapter's connect timeout. A host whose identity cannot be verified (an SSH host key that is
 * not pinned, or that changed) is refused with {@link HostException.HostKeyRejected}, never
 * connected to. Implementations bound how many sessions are open at once. Thread-safe.
 */
public interface HostExecutor {

  HostSession open(Host host) throws HostException;

  /** One connection to one host; one channel per command. Not thread-safe. */
  interface HostSession extends AutoCloseable {

    /**
     * Runs one command and waits for it, up to the command's timeout. Output is captured up to a
     * bound per stream ({@link CommandResult#truncated} says when it was cut).
     */
    CommandResult run(dev.patchwave.patch.Command command) throws HostException;

    /**
     * Runs a batch's steps in order and returns one result per step that ran (a guard that fails is
     * the last). The SSH adapter sends the whole batch as one command; this default runs the
     * commands one by one, with the same guard.
     */
    default List<CommandResult> runAll(Batch batch) throws HostException {
      List<CommandResult> out = new ArrayList<>();
      CommandResult last = null;
      for (Batch.Step step : batch.steps()) {
        if (step instanceof Batch.Run r) {
          last = run(r.command());
          out.add(last);
          continue;
        }
        Batch.InstallsOnly guard = (Batch.InstallsOnly) step;
        CommandResult verdict;
        if (last == null || !last.succeeded()) {
          int code = last == null ? -1 : last.exitCode();
          verdict = guardResult(1, "the simulation failed (exit " + code + ")");
        } else {
          List<String> allowed =
              guard.allowed().stream().map(dev.patchwave.patch.PackageVersion::pinned).toList();
          List<String> outside = Batch.notAllowed(last.stdout(), new java.util.HashSet<>(allowed));
          verdict = guardResult(outside.isEmpty() ? 0 : 1, String.join("\n", outside));
        }
        out.add(verdict);
        if (!verdict.succeeded()) {
          break;
        }
      }
      return out;
    }

    @Override
    void close();

    private static CommandResult guardResult(int code, String stdout) {
      return new CommandResult(code, stdout, "", false, Duration.ZERO);
    }
  }
}
