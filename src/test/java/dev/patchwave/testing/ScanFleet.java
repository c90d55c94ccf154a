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
 * Four emulated Ubuntu hosts behind MINA SSHD servers, different enough for scans to tell apart:
 * two Dell servers (22.04 and 24.04), an HPE server and a KVM guest; {@code db-2} and {@code web-2}
 * run unattended-upgrades. Each has an openssl security update pending.
 */
public class ScanFleet implements QuarkusTestResourceLifecycleManager {

  public static final Map<String, EmulatedSshServer> SERVERS = new LinkedHashMap<>();
  public static final String JAMMY_OLD = "3.0.2-0ubuntu1.15";
  public static final String JAMMY_FIX = "3.0.2-0ubuntu1.18";
  public static final String NOBLE_OLD = "3.0.13-0ubuntu3.4";
  public static final String NOBLE_FIX = "3.0.13-0ubuntu3.5";

  record Spec(String role, String release, Host.Hardware hardware, boolean unattended) {}

  private Path dir;

  public static EmulatedHost host(String name) {
    return SERVERS.get(name).host();
  }

  @Override
  public Map<String, String> start() {
    try {
      dir = Files.createTempDirectory("patchwave-scan-fleet");
      Path key = NodeFleet.clientKey(dir);
      Host.Hardware dell = new Host.Hardware("Dell Inc.", "PowerEdge R640");
      Map<String, Spec> specs = new LinkedHashMap<>();
      specs.put("db-1", new Spec("db", "22.04", dell, false));
      specs.put("db-2", new Spec("db", "24.04", dell, true));
      specs.put(
          "web-1",
          new Spec("web", "24.04", new Host.Hardware("HPE", "ProLiant DL360 Gen10"), false));
      specs.put("web-2", new Spec("web", "24.04", null, true));
      List<String> known = new ArrayList<>();
      StringBuilder inventory =
          new StringBuilder("apiVersion: patchwave.dev/v1\nkind: Inventory\nhosts:\n");
      for (var e : specs.entrySet()) {
        Spec s = e.getValue();
        boolean jammy = s.release().equals("22.04");
        Host model =
            new Host(
                e.getKey(),
                "127.0.0.1",
                22,
                Host.Transport.SIMULATED,
                Host.PackageFamily.APT,
                new TreeMap<>(Map.of("role", s.role(), "os-release", s.release())),
                Optional.empty(),
                Optional.of(
                    new Host.Simulation(
                        Map.of("openssl", jammy ? JAMMY_OLD : NOBLE_OLD),
                        Map.of("openssl", jammy ? JAMMY_FIX : NOBLE_FIX),
                        List.of(),
                        Optional.ofNullable(s.hardware()),
                        s.unattended())));
        EmulatedSshServer server =
            new EmulatedSshServer(
                new EmulatedHost(model, Clock.systemUTC(), Duration.ofMillis(200)),
                dir.resolve("authorized_keys"));
        SERVERS.put(e.getKey(), server);
        known.add(server.knownHostsLine());
        inventory
            .append("  - {name: ")
            .append(e.getKey())
            .append(", address: 127.0.0.1, port: ")
            .append(server.port())
            .append(", labels: {role: ")
            .append(s.role())
            .append("}}\n");
      }
      Map<String, String> config = FleetFiles.write(dir, key, known, inventory.toString());
      config.put("quarkus.datasource.jdbc.url", "jdbc:h2:mem:scan-fleet;DB_CLOSE_DELAY=-1");
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
