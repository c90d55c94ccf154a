package dev.patchwave.metrics;

import dev.patchwave.engine.FleetListener;
import dev.patchwave.inventory.FleetEvent;
import dev.patchwave.patch.HostScan;
import dev.patchwave.persistence.ScanStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The fleet metrics: what the last scans say (hosts with pending security updates, hosts that
 * update themselves, the oldest scan's age, hosts whose last scan failed), read from the database
 * every {@code patchwave.metrics.refresh}; and counters of scan failures and fleet events (drift,
 * adoption, schedules, overdue updates) seen by this instance. No label is a host name.
 */
@ApplicationScoped
public class FleetMetrics implements FleetListener {

  private static final Logger LOG = Logger.getLogger(FleetMetrics.class);

  private final ScanStore scans;
  private final Clock clock;
  private final Duration refreshEvery;
  private final AtomicLong pendingSecurity = new AtomicLong();
  private final AtomicLong selfUpdating = new AtomicLong();
  private final AtomicLong failing = new AtomicLong();
  private final AtomicLong scanned = new AtomicLong();
  private volatile double oldestScanAge;
  private final Counter scanFailures;
  private final Map<FleetEvent.Kind, Counter> events = new EnumMap<>(FleetEvent.Kind.class);
  private final ScheduledExecutorService refresher =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "patchwave-fleet-metrics");
            t.setDaemon(true);
            return t;
          });

  public FleetMetrics(
      MeterRegistry registry,
      ScanStore scans,
      Clock clock,
      @ConfigProperty(name = "patchwave.metrics.refresh", defaultValue = "15s")
          Duration refreshEvery) {
    this.scans = scans;
    this.clock = clock;
    this.refreshEvery = refreshEvery;
    Gauge.builder("patchwave.hosts.pending.security.updates", pendingSecurity, AtomicLong::get)
        .description("Hosts whose last scan found security updates pending")
        .register(registry);
    Gauge.builder("patchwave.hosts.self.updating", selfUpdating, AtomicLong::get)
        .description("Hosts whose last scan found them installing updates by themselves")
        .register(registry);
    Gauge.builder("patchwave.hosts.scanned", scanned, AtomicLong::get)
        .description("Hosts with a good scan")
        .register(registry);
    Gauge.builder("patchwave.hosts.scan.failing", failing, AtomicLong::get)
        .description("Hosts whose last scan attempt failed")
        .register(registry);
    Gauge.builder("patchwave.scan.age.max.seconds", this, m -> m.oldestScanAge)
        .description("Age of the oldest good host scan")
        .register(registry);
    scanFailures =
        Counter.builder("patchwave.scan.failures")
            .description("Host scans that failed")
            .register(registry);
    for (FleetEvent.Kind k : FleetEvent.Kind.values()) {
      events.put(
          k,
          Counter.builder("patchwave.fleet.events")
              .description("Fleet events: drift, adoption, schedules, overdue updates")
              .tag("kind", k.name())
              .register(registry));
    }
  }

  void onStart(@Observes StartupEvent e) {
    long every = Math.max(1000, refreshEvery.toMillis());
    refresher.scheduleWithFixedDelay(this::refresh, 0, every, TimeUnit.MILLISECONDS);
  }

  void onStop(@Observes ShutdownEvent e) {
    refresher.shutdownNow();
  }

  @Override
  public void scanFailed(String host, String why) {
    scanFailures.increment();
  }

  @Override
  public void event(FleetEvent event) {
    events.get(event.kind()).increment();
  }

  /** Reads the gauges' values from the stored scans. */
  void refresh() {
    try {
      Instant now = clock.instant();
      long security = 0;
      long self = 0;
      long failed = 0;
      long good = 0;
      double oldest = 0;
      for (ScanStore.Record r : scans.all().values()) {
        if (r.error().isPresent()) {
          failed++;
        }
        if (r.scan().isEmpty()) {
          continue;
        }
        HostScan s = r.scan().get();
        good++;
        if (!s.securityUpdates().isEmpty()) {
          security++;
        }
        if (s.selfUpdate().updatesItself()) {
          self++;
        }
        oldest = Math.max(oldest, Duration.between(s.at(), now).toMillis() / 1000.0);
      }
      pendingSecurity.set(security);
      selfUpdating.set(self);
      failing.set(failed);
      scanned.set(good);
      oldestScanAge = oldest;
    } catch (RuntimeException e) {
      LOG.debugf("fleet metrics not refreshed: %s", e.getMessage());
    }
  }
}
