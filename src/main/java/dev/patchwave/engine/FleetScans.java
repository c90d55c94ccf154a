package dev.patchwave.engine;

import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor;
import dev.patchwave.host.HostExecutor.HostSession;
import dev.patchwave.inventory.FleetEvent;
import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.patch.Drift;
import dev.patchwave.patch.HostScan;
import dev.patchwave.patch.PackageManager;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.persistence.AuditLog;
import dev.patchwave.persistence.FleetEvents;
import dev.patchwave.persistence.PolicyStore;
import dev.patchwave.persistence.QuarantineStore;
import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.persistence.ScanStore;
import dev.patchwave.policy.RolloutPolicy;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Scans the fleet: every host periodically (the schedule's scan job calls {@link #scanAll}, each
 * host after a random delay within the jitter, at most {@code patchwave.scan.concurrency} at once),
 * and on demand. After each good scan:
 *
 * <ol>
 *   <li>the scan is stored (the last good one is kept when a later one fails), its facts become the
 *       host's {@code facts.patchwave.dev/} labels, and new versions get a first-seen time;
 *   <li>drift is reported ({@link Drift}: a fleet event, the listeners), and a missing or changed
 *       quarantine pin file is written again;
 *   <li>a host that updates itself is adopted if a policy selecting it says {@code adopt: true}
 *       (its own installs turned off, what changed recorded); a host adopted before that no such
 *       policy selects any more is restored.
 * </ol>
 *
 * A scan of a host already being scanned joins that scan.
 */
@ApplicationScoped
public class FleetScans {

  private static final Logger LOG = Logger.getLogger(FleetScans.class);

  /** How a scan ended. */
  public sealed interface Outcome {
    String host();

    record Scanned(String host, HostScan scan, List<Drift.Finding> drift) implements Outcome {}

    record Failed(String host, String why) implements Outcome {}
  }

  private final HostSource inventory;
  private final HostScanner scanner;
  private final ScanStore store;
  private final FleetEvents events;
  private final HostFacts facts;
  private final QuarantineStore quarantine;
  private final RolloutStore rollouts;
  private final PolicyStore policies;
  private final AuditLog audit;
  private final HostExecutor hosts;
  private final Instance<FleetListener> listeners;
  private final Clock clock;
  private final Duration jitter;
  private final ScheduledExecutorService pool;
  private final Map<String, CompletableFuture<Outcome>> running = new ConcurrentHashMap<>();

  public FleetScans(
      HostSource inventory,
      HostExecutor hosts,
      ScanStore store,
      FleetEvents events,
      HostFacts facts,
      QuarantineStore quarantine,
      RolloutStore rollouts,
      PolicyStore policies,
      AuditLog audit,
      Instance<FleetListener> listeners,
      Clock clock,
      @ConfigProperty(name = "patchwave.scan.concurrency", defaultValue = "8") int concurrency,
      @ConfigProperty(name = "patchwave.scan.jitter", defaultValue = "10m") Duration jitter) {
    this.inventory = inventory;
    this.hosts = hosts;
    this.scanner = new HostScanner(hosts, clock);
    this.store = store;
    this.events = events;
    this.facts = facts;
    this.quarantine = quarantine;
    this.rollouts = rollouts;
    this.policies = policies;
    this.audit = audit;
    this.listeners = listeners;
    this.clock = clock;
    this.jitter = jitter;
    this.pool =
        Executors.newScheduledThreadPool(
            Math.max(1, concurrency), RolloutEngine.daemon("patchwave-scan"));
  }

  void onStop(@Observes ShutdownEvent e) {
    pool.shutdownNow();
  }

  /**
   * Scans every host of the inventory in the background, each after a random delay within the
   * jitter (so that a fleet does not hit its package mirror in the same second). Returns how many
   * scans were queued.
   */
  public int scanAll(boolean jittered) {
    List<Host> all = inventory.hosts();
    long spread = jittered ? Math.max(0, jitter.toMillis()) : 0;
    for (Host h : all) {
      long delay = spread == 0 ? 0 : ThreadLocalRandom.current().nextLong(spread);
      pool.schedule(() -> start(h).join(), delay, TimeUnit.MILLISECONDS);
    }
    return all.size();
  }

  /** Scans {@code names} now, several at once, and waits for them. Unknown names are Failed. */
  public Map<String, Outcome> scanNow(Collection<String> names) {
    Map<String, Host> byName = new LinkedHashMap<>();
    inventory.hosts().forEach(h -> byName.put(h.name(), h));
    Map<String, CompletableFuture<Outcome>> started = new LinkedHashMap<>();
    for (String n : names) {
      Host h = byName.get(n);
      started.put(
          n,
          h == null
              ? CompletableFuture.completedFuture(new Outcome.Failed(n, "not in the inventory"))
              : CompletableFuture.supplyAsync(() -> start(h), pool).thenCompose(f -> f));
    }
    Map<String, Outcome> out = new LinkedHashMap<>();
    started.forEach((n, f) -> out.put(n, f.join()));
    return out;
  }

  private CompletableFuture<Outcome> start(Host host) {
    CompletableFuture<Outcome> mine = new CompletableFuture<>();
    CompletableFuture<Outcome> other = running.putIfAbsent(host.name(), mine);
    if (other != null) {
      return other;
    }
    try {
      mine.complete(scan(host));
    } catch (RuntimeException e) {
      LOG.warnf(e, "scan of %s failed", host.name());
      mine.complete(new Outcome.Failed(host.name(), "controller error: " + e.getMessage()));
    } finally {
      running.remove(host.name(), mine);
    }
    return mine;
  }

  private Outcome scan(Host host) {
    Optional<ScanStore.Record> before = store.get(host.name());
    Optional<HostScan> previous = before.flatMap(ScanStore.Record::scan);
    Set<String> ask = new HashSet<>();
    previous.ifPresent(p -> p.pending().forEach(u -> ask.add(u.name())));
    HostScan scan;
    try {
      scan = scanner.scan(host, ask);
    } catch (HostScanner.ScanFailed e) {
      store.failed(host.name(), clock.instant(), e.getMessage());
      tell(l -> l.scanFailed(host.name(), e.getMessage()));
      return new Outcome.Failed(host.name(), e.getMessage());
    }
    store.saved(host.name(), scan);
    store.seen(host.name(), scan.pending(), scan.at());
    facts.learned(host.name(), scan);
    tell(l -> l.scanned(host.name(), scan));
    List<PackageVersion> blocked = quarantine.pins().on(host.name());
    boolean owned = !rollouts.owners(List.of(host.name())).isEmpty();
    List<Drift.Finding> drift =
        Drift.find(
            previous,
            scan,
            v -> store.installedByRollout(host.name(), v),
            new HashSet<>(blocked),
            owned);
    PackageManager pm = scanner.driver(host);
    for (Drift.Finding f : drift) {
      event(
          switch (f.kind()) {
            case INSTALLED -> FleetEvent.Kind.DRIFT_INSTALLED;
            case PIN_FILE -> FleetEvent.Kind.DRIFT_PIN_FILE;
            case SELF_UPDATING -> FleetEvent.Kind.DRIFT_SELF_UPDATING;
          },
          host.name(),
          null,
          f.detail());
      if (f.kind() == Drift.Kind.PIN_FILE) {
        rewritePins(host, pm, blocked);
      }
    }
    adoptOrRestore(host, scan, pm);
    return new Outcome.Scanned(host.name(), scan, drift);
  }

  private void adoptOrRestore(Host host, HostScan scan, PackageManager pm) {
    Optional<RolloutPolicy> adopter =
        policies.list().stream()
            .map(PolicyStore.Entry::policy)
            .filter(p -> p.spec().adopt() && p.spec().selector().matches(host.labels()))
            .findFirst();
    Optional<String[]> adoption = store.adoption(host.name());
    if (adopter.isPresent() && scan.selfUpdate().updatesItself()) {
      if (run(host, pm.adopt(), "host.adopt", pm.adoptionNote())) {
        store.adopted(host.name(), adopter.get().name(), pm.adoptionNote(), clock.instant());
        event(
            FleetEvent.Kind.ADOPTED,
            host.name(),
            adopter.get().name(),
            "own updates turned off (" + scan.selfUpdate().how() + "): " + pm.adoptionNote());
      } else {
        event(
            FleetEvent.Kind.ADOPT_FAILED,
            host.name(),
            adopter.get().name(),
            "could not turn its own updates off");
      }
    } else if (adopter.isEmpty() && adoption.isPresent()) {
      if (run(host, pm.restoreAdopted(), "host.restore", "undid: " + adoption.get()[1])) {
        store.restored(host.name());
        event(
            FleetEvent.Kind.RESTORED,
            host.name(),
            adoption.get()[0],
            "no policy with adopt: true selects it any more; undid: " + adoption.get()[1]);
      }
    }
  }

  private void rewritePins(Host host, PackageManager pm, List<PackageVersion> blocked) {
    String what = "rewrote the quarantine pins: " + (blocked.isEmpty() ? "none" : blocked);
    try (HostSession s = hosts.open(host)) {
      CommandResult r =
          PackageQueries.writeQuarantine(
              s, pm, blocked, "patchwave quarantine (rewritten after drift)");
      audit.record(
          AuditLog.CONTROLLER,
          "host.pin",
          host.name(),
          r.succeeded() ? AuditLog.Outcome.SUCCESS : AuditLog.Outcome.FAILED,
          null,
          what + (r.succeeded() ? "" : ": " + r.summary()));
    } catch (HostException e) {
      audit.record(
          AuditLog.CONTROLLER,
          "host.pin",
          host.name(),
          AuditLog.Outcome.FAILED,
          null,
          what + ": " + e.getClass().getSimpleName());
    }
  }

  /** Runs one changing command on {@code host}, audited; true if it succeeded. */
  private boolean run(Host host, dev.patchwave.patch.Command command, String action, String what) {
    try (HostSession s = hosts.open(host)) {
      CommandResult r = s.run(command);
      audit.record(
          AuditLog.CONTROLLER,
          action,
          host.name(),
          r.succeeded() ? AuditLog.Outcome.SUCCESS : AuditLog.Outcome.FAILED,
          null,
          what + (r.succeeded() ? "" : ": " + r.summary()));
      return r.succeeded();
    } catch (HostException e) {
      audit.record(
          AuditLog.CONTROLLER,
          action,
          host.name(),
          AuditLog.Outcome.FAILED,
          null,
          what + ": " + e.getClass().getSimpleName());
      return false;
    }
  }

  /** Records a fleet event and tells the listeners. */
  public FleetEvent event(FleetEvent.Kind kind, String host, String policy, String detail) {
    return event(kind, host, policy, null, AuditLog.CONTROLLER, detail);
  }

  public FleetEvent event(
      FleetEvent.Kind kind, String host, String policy, Long rollout, String actor, String detail) {
    FleetEvent e = events.record(kind, host, policy, rollout, actor, detail);
    tell(l -> l.event(e));
    return e;
  }

  private void tell(Consumer<FleetListener> call) {
    for (FleetListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        LOG.warnf(e, "a fleet listener failed");
      }
    }
  }
}
