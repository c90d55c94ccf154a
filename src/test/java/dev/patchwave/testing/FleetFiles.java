package dev.patchwave.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every SSH test fleet writes for the controller: the pinned known_hosts, the inventory, an
 * empty policies directory; and the configuration that points the controller at them and at the
 * client key. Also closes a fleet's servers.
 */
public final class FleetFiles {
  private FleetFiles() {}

  /** Writes the files under {@code dir}; the configuration returned may be added to. */
  public static Map<String, String> write(
      Path dir, Path key, List<String> knownHosts, String inventory) throws Exception {
    Files.write(dir.resolve("known_hosts"), knownHosts);
    Files.writeString(dir.resolve("inventory.yaml"), inventory);
    Files.createDirectories(dir.resolve("policies"));
    Map<String, String> config = new LinkedHashMap<>();
    config.put("patchwave.inventory.file", dir.resolve("inventory.yaml").toString());
    config.put("patchwave.ssh.private-key-file", key.toString());
    config.put("patchwave.ssh.known-hosts-file", dir.resolve("known_hosts").toString());
    config.put("patchwave.ssh.connect-timeout", "2s");
    config.put("patchwave.policies.dir", dir.resolve("policies").toString());
    return config;
  }

  /** Closes every server, best effort, and forgets them. */
  public static void close(Map<String, EmulatedSshServer> servers) {
    close(servers.values());
    servers.clear();
  }

  private static void close(Collection<EmulatedSshServer> servers) {
    for (EmulatedSshServer s : servers) {
      try {
        s.close();
      } catch (Exception e) {
        // best effort
      }
    }
  }
}
