package dev.patchwave.app;

import dev.patchwave.engine.HostFacts;
import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.inventory.file.ConfiguredHostSource;
import dev.patchwave.kube.NodeInventory;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The inventory: the static file (or the demo fleet) and, with {@code
 * patchwave.kubernetes.enabled}, the cluster's nodes. A name in both is the static host (it may
 * name its node with {@code kubernetesNode}); the clash is logged once.
 */
@ApplicationScoped
public class InventoryWiring {

  private static final Logger LOG = Logger.getLogger(InventoryWiring.class);

  @Produces
  @Singleton
  Optional<NodeInventory> nodes(
      @ConfigProperty(name = "patchwave.kubernetes.enabled") boolean enabled,
      @ConfigProperty(name = "patchwave.kubernetes.node-selector") Optional<String> selector,
      @ConfigProperty(name = "patchwave.kubernetes.ssh-port") int sshPort,
      @ConfigProperty(name = "patchwave.kubernetes.package-manager") String packageManager,
      Instance<KubernetesClient> client) {
    if (!enabled) {
      return Optional.empty();
    }
    Host.PackageFamily family =
        switch (packageManager) {
          case "apt" -> Host.PackageFamily.APT;
          case "dnf" -> Host.PackageFamily.DNF;
          default ->
              throw new IllegalStateException(
                  "patchwave.kubernetes.package-manager: expected apt or dnf, found "
                      + packageManager);
        };
    LOG.infof(
        "inventory: watching Kubernetes nodes%s", selector.map(s -> " (" + s + ")").orElse(""));
    return Optional.of(new NodeInventory(client.get(), selector, sshPort, family));
  }

  void close(@Disposes Optional<NodeInventory> nodes) {
    nodes.ifPresent(NodeInventory::close);
  }

  @Produces
  @Singleton
  HostSource inventory(
      ConfiguredHostSource configured, Optional<NodeInventory> nodes, HostFacts facts) {
    HostSource base = hosts(configured, nodes);
    return () -> facts.join(base.hosts());
  }

  /** The hosts without the facts scans learned. */
  private static HostSource hosts(ConfiguredHostSource configured, Optional<NodeInventory> nodes) {
    if (nodes.isEmpty()) {
      return configured;
    }
    Set<String> warned = ConcurrentHashMap.newKeySet();
    NodeInventory cluster = nodes.get();
    return () ->
        combine(
            configured.hosts(),
            cluster.hosts(),
            clash -> {
              if (warned.add(clash)) {
                LOG.warnf(
                    "node %s is also in the static inventory; the static entry is used", clash);
              }
            });
  }

  /**
   * The static hosts and the cluster's nodes, sorted by name; a node whose name a static host
   * already has is left out (and reported to {@code clash}).
   */
  static List<Host> combine(
      List<Host> configured, List<Host> nodes, java.util.function.Consumer<String> clash) {
    Map<String, Host> byName = new LinkedHashMap<>();
    for (Host h : configured) {
      byName.put(h.name(), h);
    }
    for (Host n : nodes) {
      if (byName.putIfAbsent(n.name(), n) != null) {
        clash.accept(n.name());
      }
    }
    List<Host> all = new ArrayList<>(byName.values());
    all.sort(java.util.Comparator.comparing(Host::name));
    return all;
  }
}
