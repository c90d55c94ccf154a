package dev.patchwave.testing;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.inventory.Host;
import dev.patchwave.kube.NodeInventory;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A Kubernetes cluster of four worker nodes: the Fabric8 mock API server in CRUD mode holds the
 * nodes and their pods (an eviction deletes the pod a moment later, as the API server would), and
 * each node is an emulated Ubuntu host behind its own SSH server on loopback, reached through the
 * node's InternalIP and its {@code patchwave.dev/ssh-port} annotation. node-4 was cordoned by an
 * operator before anything started. A kernel update (6.8.0-50.50, good) is pending everywhere.
 */
public class KubeFleet implements QuarkusTestResourceLifecycleManager {

  public static final Map<String, EmulatedSshServer> SERVERS = new LinkedHashMap<>();
  public static KubernetesClient client;
  public static final List<String> EVICTED =
      java.util.Collections.synchronizedList(new ArrayList<>());

  private KubernetesMockServer server;
  private final ScheduledExecutorService apiServer = Executors.newSingleThreadScheduledExecutor();

  @Override
  public Map<String, String> start() {
    try {
      Path dir = Files.createTempDirectory("patchwave-kube");
      Path key = NodeFleet.clientKey(dir);

      server = MockKubernetes.crud();
      client = server.createClient();

      List<String> known = new ArrayList<>();
      for (int i = 1; i <= 4; i++) {
        String name = "node-" + i;
        Host model =
            new Host(
                name,
                "127.0.0.1",
                22,
                Host.Transport.SIMULATED,
                Host.PackageFamily.APT,
                new TreeMap<>(Map.of("role", "worker")),
                Optional.of(name),
                Optional.of(
                    new Host.Simulation(
                        Map.of("linux-image-generic", "6.8.0-48.48"),
                        Map.of("linux-image-generic", "6.8.0-50.50"),
                        List.of())));
        EmulatedSshServer ssh =
            new EmulatedSshServer(
                new EmulatedHost(model, Clock.systemUTC(), Duration.ofMillis(300)),
                dir.resolve("authorized_keys"));
        SERVERS.put(name, ssh);
        known.add(ssh.knownHostsLine());
        client
            .nodes()
            .resource(
                new NodeBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .addToLabels("node-role.kubernetes.io/worker", "")
                    .addToLabels("topology.kubernetes.io/zone", "z" + ((i - 1) % 2 + 1))
                    .addToAnnotations(NodeInventory.SSH_PORT, Integer.toString(ssh.port()))
                    .endMetadata()
                    .withNewSpec()
                    .withUnschedulable(i == 4)
                    .endSpec()
                    .withNewStatus()
                    .addNewCondition()
                    .withType("Ready")
                    .withStatus("True")
                    .endCondition()
                    .addNewCondition()
                    .withType("DiskPressure")
                    .withStatus("False")
                    .endCondition()
                    .addNewAddress()
                    .withType("InternalIP")
                    .withAddress("127.0.0.1")
                    .endAddress()
                    .endStatus()
                    .build())
            .create();
        pod("shop", "web-" + i, name, "ReplicaSet");
        pod("kube-system", "node-exporter-" + i, name, "DaemonSet");
      }
      Files.write(dir.resolve("known_hosts"), known);
      Files.createDirectories(dir.resolve("policies"));
      Map<String, String> config = new LinkedHashMap<>();
      config.put("patchwave.kubernetes.enabled", "true");
      config.put("quarkus.kubernetes-client.api-server-url", server.url("/"));
      config.put("quarkus.kubernetes-client.trust-certs", "true");
      config.put("quarkus.kubernetes-client.namespace", "patchwave");
      config.put("patchwave.kubernetes.drain-poll", "100ms");
      config.put("patchwave.kubernetes.field-selectors", "false"); // the mock server cannot
      config.put("patchwave.ssh.private-key-file", key.toString());
      config.put("patchwave.ssh.known-hosts-file", dir.resolve("known_hosts").toString());
      config.put("patchwave.ssh.connect-timeout", "2s");
      config.put("patchwave.policies.dir", dir.resolve("policies").toString());
      config.put("quarkus.datasource.jdbc.url", "jdbc:h2:mem:kube-fleet;DB_CLOSE_DELAY=-1");
      return config;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void pod(String ns, String name, String node, String owner) {
    client
        .pods()
        .inNamespace(ns)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withNamespace(ns)
                .withName(name)
                .addNewOwnerReference()
                .withKind(owner)
                .withName("owner")
                .withApiVersion("apps/v1")
                .withUid("u")
                .endOwnerReference()
                .endMetadata()
                .withNewSpec()
                .withNodeName(node)
                .addNewContainer()
                .withName("c")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .build())
        .create();
    MockKubernetes.evictionDeletesPod(
        server, client, apiServer, ns, name, () -> EVICTED.add(ns + "/" + name));
  }

  @Override
  public void stop() {
    FleetFiles.close(SERVERS);
    apiServer.shutdownNow();
    client.close();
    server.destroy();
  }
}
