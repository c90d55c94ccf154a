import dev.patchwave.engine.HostScanner;
import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.host.ssh.JschHostExecutor;
import dev.patchwave.host.ssh.SshSettings;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.HostScan;
import dev.patchwave.testing.EmulatedSshServer;
import dev.patchwave.testing.NodeFleet;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scans a fleet of emulated hosts (half apt, half dnf) behind MINA SSHD servers on loopback, over
 * real SSH with pinned keys, the way the controller's periodic scan does: one session per host,
 * every scan command in it. Prints how long a scan of one host takes, how many commands it runs,
 * hosts per minute at the given concurrency, and the CPU the whole process (controller and SSH
 * servers together) spent per host. Last line: {@code scan_ms_median=... hosts_per_min=...}.
 *
 * <p>Run: bench/scan-bench.sh [hosts] [concurrency]
 */
public class ScanBench {
  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    Path dir = Files.createTempDirectory("patchwave-scan-bench");
    Path key = NodeFleet.clientKey(dir);
    List<EmulatedSshServer> servers = new ArrayList<>();
    List<Host> hosts = new ArrayList<>();
    List<String> known = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      boolean dnf = i % 2 == 1;
      Host model =
          new Host(
              "h" + i,
              "127.0.0.1",
              22,
              Host.Transport.SIMULATED,
              dnf ? Host.PackageFamily.DNF : Host.PackageFamily.APT,
              new TreeMap<>(Map.of("os-release", dnf ? "9.4" : "24.04")),
              Optional.empty(),
              Optional.of(
                  new Host.Simulation(
                      dnf
                          ? Map.of("kernel-core", "5.14.0-427.10.1.el9_4", "openssl", "1:3.0.7-24.el9")
                          : Map.of("linux-image-generic", "6.8.0-48.48", "openssl", "3.0.13-0ubuntu3.4"),
                      dnf
                          ? Map.of("kernel-core", "5.14.0-427.13.1.el9_4", "openssl", "1:3.0.7-27.el9")
                          : Map.of("linux-image-generic", "6.8.0-50.50", "openssl", "3.0.13-0ubuntu3.5"),
                      List.of(),
                      Optional.of(new Host.Hardware("Dell Inc.", "PowerEdge R640")),
                      i % 4 == 0)));
      EmulatedSshServer s =
          new EmulatedSshServer(
              new EmulatedHost(model, Clock.systemUTC(), Duration.ofSeconds(1)),
              dir.resolve("authorized_keys"));
      servers.add(s);
      known.add(s.knownHostsLine());
      hosts.add(
          new Host(
              model.name(),
              "127.0.0.1",
              s.port(),
              Host.Transport.SSH,
              model.packageManager(),
              new TreeMap<>(),
              Optional.empty(),
              Optional.empty()));
    }
    Files.write(dir.resolve("known_hosts"), known);
    JschHostExecutor ssh =
        new JschHostExecutor(
            new SshSettings(
                "patchwave",
                Optional.of(key),
                Optional.of(dir.resolve("known_hosts")),
                Duration.ofSeconds(10),
                false,
                64,
                1 << 20));
    HostScanner scanner = new HostScanner(ssh, Clock.systemUTC());
    // warm up the JIT and the SSH stack on a few hosts
    for (Host h : hosts.subList(0, Math.min(10, hosts.size()))) {
      scanner.scan(h, Set.of("openssl"));
    }
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    Map<String, Long> took = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    List<Future<HostScan>> scans = new ArrayList<>();
    for (Host h : hosts) {
      scans.add(
          pool.submit(
              () -> {
                long s = System.nanoTime();
                HostScan scan = scanner.scan(h, Set.of("openssl"));
                took.put(h.name(), (System.nanoTime() - s) / 1_000_000);
                return scan;
              }));
    }
    int pending = 0;
    for (Future<HostScan> f : scans) {
      pending += f.get().pending().size();
    }
    long wall = System.nanoTime() - t0;
    long cpu = os.getProcessCpuTime() - cpu0;
    pool.shutdown();
    List<Long> ms = took.values().stream().sorted().toList();
    System.out.printf(
        "hosts=%d concurrency=%d pending_updates=%d%n", count, concurrency, pending);
    System.out.printf(
        "commands_per_scan apt=%d dnf=%d%n",
        servers.get(0).host().received().size() / 2,
        servers.get(1).host().received().size() / 2);
    System.out.printf(
        "scan_ms p50=%d p90=%d max=%d%n",
        ms.get(ms.size() / 2), ms.get(ms.size() * 9 / 10), ms.get(ms.size() - 1));
    System.out.printf(
        "cpu_s_per_host=%.3f (controller and SSH servers in one process)%n",
        cpu / 1e9 / count);
    System.out.printf(
        "scan_ms_median=%d hosts_per_min=%.0f%n",
        ms.get(ms.size() / 2), count / (wall / 6e10));
    for (EmulatedSshServer s : servers) {
      s.close();
    }
    System.exit(0);
  }
}
