package dev.patchwave.engine;

import dev.patchwave.inventory.FleetEvent;
import dev.patchwave.patch.HostScan;

/**
 * Told what scans found and what happened to the fleet: metrics and notifications listen here.
 * Called after the fact; a listener must return quickly and never throw.
 */
public interface FleetListener {

  default void scanned(String host, HostScan scan) {}

  default void scanFailed(String host, String why) {}

  /** A fleet event was recorded (drift, adoption, a schedule's outcome, an overdue update). */
  default void event(FleetEvent event) {}
}
