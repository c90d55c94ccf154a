/**
 * Hosts and where they come from. {@link dev.patchwave.inventory.Host} and the inventory file
 * reader are pure; sources that need a framework (the configured file, Kubernetes nodes) live in
 * subpackages behind the {@link dev.patchwave.inventory.HostSource} port.
 */
package dev.patchwave.inventory;
