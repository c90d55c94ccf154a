package dev.patchwave.engine;

import dev.patchwave.inventory.Host;
import dev.patchwave.patch.HostScan;
import dev.patchwave.persistence.ScanStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The facts scans learned, as labels under {@code facts.patchwave.dev/}, joined to the inventory's
 * hosts so that selectors, {@code groupBy} and {@code coverBy} can use them. Held in memory, filled
 * from the database at the first use and after every good scan.
 */
@ApplicationScoped
public class HostFacts {

  private final ScanStore scans;
  private final Map<String, SortedMap<String, String>> facts = new ConcurrentHashMap<>();

  /** When the facts were last read from the database (System.nanoTime), 0 before the first. */
  private volatile long loadedAt;

  /**
   * How long facts read from the database stand before they are read again: another replica's scans
   * (the leader scans) reach this one within it.
   */
  static final long RELOAD_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(5);

  /** The last join, reused while neither the hosts nor the facts changed. */
  private record Joined(List<Host> base, long version, List<Host> joined) {}

  private final java.util.concurrent.atomic.AtomicLong version =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile Joined last = new Joined(List.of(), -1, List.of());

  public HostFacts(ScanStore scans) {
    this.scans = scans;
  }

  /**
   * {@code hosts} with their fact labels added. Labels under the prefix are the scans' alone: one
   * that a source brought anyway (a Kubernetes node labelled so) is dropped.
   */
  public List<Host> join(List<Host> hosts) {
    load();
    Joined j = last;
    long v = version.get();
    if (j.base() == hosts && j.version() == v) {
      return j.joined();
    }
    List<Host> joined;
    if (facts.isEmpty()
        && hosts.stream()
            .noneMatch(h -> h.labels().keySet().stream().anyMatch(HostFacts::reserved))) {
      joined = hosts;
    } else {
      joined = hosts.stream().map(this::join).toList();
    }
    // the same list for the same hosts and facts: callers may index it once
    last = new Joined(hosts, v, joined);
    return joined;
  }

  private Host join(Host h) {
    SortedMap<String, String> f = facts.getOrDefault(h.name(), new TreeMap<>());
    boolean foreign = h.labels().keySet().stream().anyMatch(HostFacts::reserved);
    if (f.isEmpty() && !foreign) {
      return h;
    }
    TreeMap<String, String> labels = new TreeMap<>(h.labels());
    labels.keySet().removeIf(HostFacts::reserved);
    labels.putAll(f);
    return new Host(
        h.name(),
        h.address(),
        h.port(),
        h.transport(),
        h.packageManager(),
        labels,
        h.kubernetesNode(),
        h.simulation());
  }

  private static boolean reserved(String key) {
    return key.startsWith(HostScan.FACTS_PREFIX);
  }

  /** A good scan of {@code host}: its facts replace the ones before. */
  void learned(String host, HostScan scan) {
    SortedMap<String, String> now = scan.factLabels();
    if (!now.equals(facts.put(host, now))) {
      version.incrementAndGet();
    }
  }

  private void load() {
    long at = loadedAt;
    if (at != 0 && System.nanoTime() - at < RELOAD_NANOS) {
      return;
    }
    synchronized (this) {
      if (loadedAt == at) {
        scans.all().forEach((host, r) -> r.scan().ifPresent(s -> learned(host, s)));
        loadedAt = System.nanoTime();
      }
    }
  }
}
