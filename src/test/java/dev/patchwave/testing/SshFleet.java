package dev.patchwave.testing;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.inventory.Host;
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

/**
 * The incident's fleet, over real SSH: two Kafka clusters of three brokers in three zones, and six
 * web hosts, each an emulated Ubuntu 24.04 host behind its own MINA SSHD server on loopback. The
 * kernel 6.8.0-49.49 panics every host on reboot. Writes the inventory, the client key and the
 * pinned known_hosts, and points the controller at them.
 */
public class SshFleet implements QuarkusTestResourceLifecycleManager {

  public static final Map<String, EmulatedSshServer> SERVERS = new LinkedHashMap<>();
  public static final String BAD = "6.8.0-49.49";

  private Path dir;
  private boolean ownDatabase = true;

  /** {@code database=external}: another test resource (PostgreSQL) provides the database. */
  @Override
  public void init(Map<String, String> initArgs) {
    ownDatabase = !"external".equals(initArgs.get("database"));
  }

  @Override
  public Map<String, String> start() {
    try {
      dir = Files.createTempDirectory("patchwave-fleet");
      Path key = NodeFleet.clientKey(dir);
      List<String> known = new ArrayList<>();
      StringBuilder inventory =
          new StringBuilder("apiVersion: patchwave.dev/v1\nkind: Inventory\nhosts:\n");
      for (Map.Entry<String, Map<String, String>> e : hosts().entrySet()) {
        Host model =
            new Host(
                e.getKey(),
                "127.0.0.1",
                22,
                Host.Transport.SIMULATED,
                Host.PackageFamily.APT,
                new TreeMap<>(e.getValue()),
                Optional.empty(),
                Optional.of(
                    new Host.Simulation(
                        Map.of(
                            "linux-image-generic", "6.8.0-48.48", "openssl", "3.0.13-0ubuntu3.4"),
                        Map.of("linux-image-generic", BAD),
                        List.of(
                            new Host.Fault(
                                "linux-image-generic", BAD, Host.FaultEffect.PANIC_ON_REBOOT)))));
        EmulatedSshServer server =
            new EmulatedSshServer(
                new EmulatedHost(model, Clock.systemUTC(), Duration.ofMillis(300)),
                dir.resolve("authorized_keys"));
        SERVERS.put(e.getKey(), server);
        known.add(server.knownHostsLine());
        inventory
            .append("  - name: ")
            .append(e.getKey())
            .append('\n')
            .append("    address: 127.0.0.1\n")
            .append("    port: ")
            .append(server.port())
            .append('\n')
            .append("    transport: ssh\n")
            .append("    labels: {")
            .append(
                String.join(
                    ", ",
                    e.getValue().entrySet().stream()
                        .map(l -> l.getKey() + ": \"" + l.getValue() + "\"")
                        .toList()))
            .append("}\n");
      }
      Map<String, String> config = FleetFiles.write(dir, key, known, inventory.toString());
      config.put("patchwave.reboot.poll-interval", "100ms");
      if (ownDatabase) {
        // quarantines and policies of other tests (those on this fleet too) must not leak in: a
        // database of its own for each start
        config.put(
            "quarkus.datasource.jdbc.url",
            "jdbc:h2:mem:ssh-fleet-" + java.util.UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
      }
      return config;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static Map<String, Map<String, String>> hosts() {
    Map<String, Map<String, String>> hosts = new LinkedHashMap<>();
    for (String c : List.of("a", "b")) {
      for (int i = 1; i <= 3; i++) {
        hosts.put(
            "kafka-" + c + "-" + i,
            Map.of("role", "kafka", "kafka-cluster", c, "zone", "z" + i, "os-release", "24.04"));
      }
    }
    for (int i = 1; i <= 6; i++) {
      hosts.put(
          "web-" + i,
          Map.of("role", "web", "zone", "z" + ((i - 1) % 3 + 1), "os-release", "24.04"));
    }
    return hosts;
  }

  @Override
  public void stop() {
    FleetFiles.close(SERVERS);
  }
}
