package dev.patchwave.plan;

import java.util.List;

/** Hosts of one wave that may be unavailable at the same time. */
public record Batch(int index, List<Placement> hosts) {
  public Batch {
    hosts = List.copyOf(hosts);
  }
}
