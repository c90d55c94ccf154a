package dev.patchwave.kube;

import dev.patchwave.inventory.Host;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * The cluster's nodes as hosts, kept by an informer (one watch, no polling): name, InternalIP, node
 * labels (zone included), and whether the node is Ready. A node that leaves the cluster leaves the
 * inventory at once, so a rollout marks it SKIPPED. A node may override the SSH port and the
 * package manager with the annotations {@code patchwave.dev/ssh-port} and {@code
 * patchwave.dev/package-manager}.
 */
public class NodeInventory implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(NodeInventory.class);
  public static final String SSH_PORT = "patchwave.dev/ssh-port";
  public static final String PACKAGE_MANAGER = "patchwave.dev/package-manager";

  private final SharedIndexInformer<Node> informer;
  private final int sshPort;
  private final Host.PackageFamily packageManager;

  public NodeInventory(
      KubernetesClient client,
      Optional<String> labelSelector,
      int sshPort,
      Host.PackageFamily packageManager) {
    this.sshPort = sshPort;
    this.packageManager = packageManager;
    var nodes = client.nodes();
    this.informer =
        (labelSelector.isPresent() ? nodes.withLabelSelector(labelSelector.get()) : nodes)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Node n) {
                    LOG.debugf("node %s joined", n.getMetadata().getName());
                  }

                  @Override
                  public void onUpdate(Node before, Node after) {}

                  @Override
                  public void onDelete(Node n, boolean unknownFinalState) {
                    LOG.infof("node %s left the cluster", n.getMetadata().getName());
                  }
                },
                0);
  }

  /** The nodes that can be reached (they have an InternalIP), sorted by name. */
  public List<Host> hosts() {
    return informer.getStore().list().stream()
        .map(this::host)
        .flatMap(Optional::stream)
        .sorted(Comparator.comparing(Host::name))
        .toList();
  }

  /** The node's conditions (type to status); empty if no such node is known. */
  public Optional<Map<String, String>> conditions(String name) {
    return Optional.ofNullable(informer.getStore().getByKey(name))
        .map(
            n -> {
              Map<String, String> out = new TreeMap<>();
              if (n.getStatus() != null && n.getStatus().getConditions() != null) {
                n.getStatus().getConditions().forEach(c -> out.put(c.getType(), c.getStatus()));
              }
              return out;
            });
  }

  public boolean hasSynced() {
    return informer.hasSynced();
  }

  private Optional<Host> host(Node n) {
    String name = n.getMetadata().getName();
    Optional<String> ip =
        n.getStatus() == null || n.getStatus().getAddresses() == null
            ? Optional.empty()
            : n.getStatus().getAddresses().stream()
                .filter(a -> "InternalIP".equals(a.getType()))
                .map(NodeAddress::getAddress)
                .findFirst();
    if (ip.isEmpty()) {
      LOG.warnf("node %s has no InternalIP; it is left out of the inventory", name);
      return Optional.empty();
    }
    Map<String, String> labels =
        n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
    Map<String, String> notes =
        n.getMetadata().getAnnotations() == null ? Map.of() : n.getMetadata().getAnnotations();
    int port = sshPort;
    if (notes.containsKey(SSH_PORT)) {
      try {
        port = Integer.parseInt(notes.get(SSH_PORT));
        if (port < 1 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        LOG.warnf("node %s: annotation %s is not a port; it is left out", name, SSH_PORT);
        return Optional.empty();
      }
    }
    Host.PackageFamily family = packageManager;
    if (notes.containsKey(PACKAGE_MANAGER)) {
      String pm = notes.get(PACKAGE_MANAGER);
      if (pm.equals("apt")) {
        family = Host.PackageFamily.APT;
      } else if (pm.equals("dnf")) {
        family = Host.PackageFamily.DNF;
      } else {
        LOG.warnf(
            "node %s: annotation %s must be apt or dnf; it is left out", name, PACKAGE_MANAGER);
        return Optional.empty();
      }
    }
    return Optional.of(
        new Host(
            name,
            ip.get(),
            port,
            Host.Transport.SSH,
            family,
            new TreeMap<>(labels),
            Optional.of(name),
            Optional.empty()));
  }

  @Override
  public void close() {
    informer.close();
  }
}
