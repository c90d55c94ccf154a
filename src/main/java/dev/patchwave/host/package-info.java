/**
 * Running commands on hosts. {@link dev.patchwave.host.HostExecutor} is the port; {@code ssh/}
 * (JSch, host keys pinned) and {@code simulated/} (the emulated host model) are the adapters.
 */
package dev.patchwave.host;
