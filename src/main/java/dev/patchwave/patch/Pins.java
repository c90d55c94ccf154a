package dev.patchwave.patch;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the quarantine blocks, host by host: every active version, except on a host where a culprit
 * isolation proves some of them now (ADR 20), whose pin file leaves those out so that they can be
 * installed there and nowhere else.
 *
 * @param active the versions quarantined now
 * @param proving host name to the quarantined versions being proven on it
 */
public record Pins(List<PackageVersion> active, Map<String, Set<PackageVersion>> proving) {

  public static final Pins NONE = new Pins(List.of(), Map.of());

  public Pins {
    active = List.copyOf(active);
    proving = Map.copyOf(proving);
  }

  /** Only {@code active}, proven nowhere. */
  public static Pins of(List<PackageVersion> active) {
    return new Pins(active, Map.of());
  }

  /** What {@code host}'s pin file blocks. */
  public List<PackageVersion> on(String host) {
    Set<PackageVersion> exempt = proving.getOrDefault(host, Set.of());
    return exempt.isEmpty() ? active : active.stream().filter(v -> !exempt.contains(v)).toList();
  }
}
