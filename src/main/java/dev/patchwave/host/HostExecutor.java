package dev.patchwave.host;

import dev.patchwave.inventory.Host;

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

    @Override
    void close();
  }
}
