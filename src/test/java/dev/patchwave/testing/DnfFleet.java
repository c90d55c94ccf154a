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
 * The incident's fleet on Rocky Linux 9 behind MINA SSHD servers: two database clusters of three
 * hosts; the kernel {@link #BAD} panics every host on reboot, an openssl fix is pending too, and
 * {@code pg-b-3} runs dnf-automatic with apply_updates = yes.
 */
public class DnfFleet implements QuarkusTestResourceLifecycleManager {

  public static final Map<String, EmulatedSshServer> SERVERS = new LinkedHashMap<>();
  public static final String KERNEL = "5.14.0-427.10.1.el9_4";
  public static final String BAD = "5.14.0-427.13.1.el9_4";
  public static final String OPENSSL_OLD = "1:3.0.7-24.el9";
  public static final String OPENSSL_FIX = "1:3.0.7-27.el9";

  public static EmulatedHost host(String name) {
    return SERVERS.get(name).host();
  }

  @Override
  public Map<String, String> start() {
    try {
      Path dir = Files.createTempDirectory("patchwave-dnf-fleet");
      Path key = NodeFleet.clientKey(dir);
      List<String> known = new ArrayList<>();
      StringBuilder inventory =
          new StringBuilder("apiVersion: patchwave.dev/v1\nkind: Inventory\nhosts:\n");
      for (String c : List.of("a", "b")) {
        for (int i = 1; i <= 3; i++) {
          String name = "pg-" + c + "-" + i;
          Host model =
              new Host(
                  name,
                  "127.0.0.1",
                  22,
                  Host.Transport.SIMULATED,
                  Host.PackageFamily.DNF,
                  new TreeMap<>(Map.of("pg-cluster", c, "os-release", "9.4")),
                  Optional.empty(),
                  Optional.of(
                      new Host.Simulation(
                          Map.of("kernel-core", KERNEL, "openssl", OPENSSL_OLD),
                          Map.of("kernel-core", BAD, "openssl", OPENSSL_FIX),
                          List.of(
                              new Host.Fault("kernel-core", BAD, Host.FaultEffect.PANIC_ON_REBOOT)),
                          Optional.of(new Host.Hardware("Dell Inc.", "PowerEdge R650")),
                          name.equals("pg-b-3"))));
          EmulatedSshServer server =
              new EmulatedSshServer(
                  new EmulatedHost(model, Clock.systemUTC(), Duration.ofMillis(300)),
                  dir.resolve("authorized_keys"));
          SERVERS.put(name, server);
          known.add(server.knownHostsLine());
          inventory
              .append("  - {name: ")
              .append(name)
              .append(", address: 127.0.0.1, port: ")
              .append(server.port())
              .append(", packageManager: dnf, labels: {role: postgres, pg-cluster: ")
              .append(c)
              .append("}}\n");
        }
      }
      Map<String, String> config = FleetFiles.write(dir, key, known, inventory.toString());
      config.put("patchwave.reboot.poll-interval", "100ms");
      config.put("quarkus.datasource.jdbc.url", "jdbc:h2:mem:dnf-fleet;DB_CLOSE_DELAY=-1");
      return config;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void stop() {
    FleetFiles.close(SERVERS);
  }
}
