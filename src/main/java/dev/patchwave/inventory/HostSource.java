package dev.patchwave.inventory;

import java.util.List;

/**
 * Where hosts come from (a static file, the bundled demo fleet, Kubernetes nodes).
 *
 * <p>Contract: {@link #hosts()} returns the current hosts sorted by name, names unique; it does not
 * block on the network (sources that watch something keep their own cache). Thread-safe.
 */
public interface HostSource {
  List<Host> hosts();
}
