package dev.patchwave.testing;

import com.jcraft.jsch.JSch;
import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.inventory.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Emulated Ubuntu hosts behind SSH servers on loopback, for tests that run the controller as a
 * process: the client key, the pinned known_hosts and the inventory file are written to a directory
 * the controller is pointed at.
 */
public final class NodeFleet {

  public static final String OLD_KERNEL = "6.8.0-48.48";
  public static final String GOOD_KERNEL = "6.8.0-50.50";

  private NodeFleet() {}

  /**
   * Writes the controller's SSH key to {@code dir/id_ecdsa} and its public half to authorized_keys.
   */
  public static Path clientKey(Path dir) throws Exception {
    Path key = dir.resolve("id_ecdsa");
    var kp = com.jcraft.jsch.KeyPair.genKeyPair(new JSch(), com.jcraft.jsch.KeyPair.ECDSA, 256);
    kp.writePrivateKey(key.toString());
    kp.writePublicKey(dir.resolve("authorized_keys").toString(), "patchwave");
    kp.dispose();
    return key;
  }

  /**
   * Starts {@code count} hosts {@code node-1..n} (label {@code zone: z<i % 3>}) with {@link
   * #GOOD_KERNEL} pending, and writes {@code dir/id_ecdsa}, {@code known_hosts} and {@code
   * inventory.yaml}. The caller closes the servers.
   */
  public static List<EmulatedSshServer> start(Path dir, int count, Duration bootTime)
      throws Exception {
    clientKey(dir);
    StringBuilder inventory =
        new StringBuilder("apiVersion: patchwave.dev/v1\nkind: Inventory\nhosts:\n");
    List<String> known = new ArrayList<>();
    List<EmulatedSshServer> servers = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      String name = "node-" + i;
      Host model =
          new Host(
              name,
              "127.0.0.1",
              22,
              Host.Transport.SIMULATED,
              Host.PackageFamily.APT,
              new TreeMap<>(Map.of("zone", "z" + (i % 3))),
              Optional.empty(),
              Optional.of(
                  new Host.Simulation(
                      Map.of("linux-image-generic", OLD_KERNEL),
                      Map.of("linux-image-generic", GOOD_KERNEL),
                      List.of())));
      EmulatedSshServer s =
          new EmulatedSshServer(
              new EmulatedHost(model, Clock.systemUTC(), bootTime), dir.resolve("authorized_keys"));
      servers.add(s);
      known.add(s.knownHostsLine());
      inventory
          .append("  - {name: ")
          .append(name)
          .append(", address: 127.0.0.1, port: ")
          .append(s.port())
          .append(", labels: {zone: z")
          .append(i % 3)
          .append("}}\n");
    }
    Files.write(dir.resolve("known_hosts"), known);
    Files.writeString(dir.resolve("inventory.yaml"), inventory.toString());
    return servers;
  }
}
