package dev.patchwave.metrics;

import dev.patchwave.engine.RolloutListener;
import dev.patchwave.persistence.QuarantineStore;
import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.Decision;
import dev.patchwave.rollout.HostPhase;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.RolloutPhase;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.rollout.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The rollout metrics. Gauges are read from the database (so every replica shows the same truth)
 * every {@code patchwave.metrics.refresh}; between those reads, the decisions this instance makes
 * update the per-rollout gauges from the state in hand, and only the aggregate counts are queried
 * again. Counters and histograms count what this instance saw and decided.
 */
@ApplicationScoped
public class PatchwaveMetrics implements RolloutListener {

  private static final Logger LOG = Logger.getLogger(PatchwaveMetrics.class);

  private final MeterRegistry registry;
  private final RolloutStore rollouts;
  private final QuarantineStore quarantine;
  private final Clock clock;
  private final Duration refreshEvery;

  private final Map<RolloutPhase, AtomicInteger> byPhase = new EnumMap<>(RolloutPhase.class);
  private final AtomicInteger quarantined = new AtomicInteger();
  private final MultiGauge hosts;
  private final MultiGauge wave;
  private final MultiGauge waves;
  private final MultiGauge done;
  private final MultiGauge phaseSince;
  private final Timer haltDetection;
  private final Map<Long, Instant> lastFailure = new ConcurrentHashMap<>();

  /** An unfinished rollout as last seen, and since when it is in its phase. */
  /** What the gauges show of one unfinished rollout. */
  private record Snapshot(
      String policy,
      dev.patchwave.rollout.RolloutPhase phase,
      int wave,
      int waves,
      Map<HostPhase, Integer> hosts,
      Instant phaseSince) {

    static Snapshot of(RolloutState s, Instant phaseSince) {
      Map<HostPhase, Integer> hosts = new java.util.EnumMap<>(HostPhase.class);
      for (HostPhase p : HostPhase.values()) {
        hosts.put(p, s.table().count(p));
      }
      return new Snapshot(
          s.policy().name(), s.phase(), s.wave(), s.waves().size(), hosts, phaseSince);
    }

    static Snapshot of(RolloutStore.Summary summary, Instant phaseSince) {
      Map<HostPhase, Integer> hosts = new java.util.EnumMap<>(HostPhase.class);
      summary
          .counts()
          .values()
          .forEach(byPhase -> byPhase.forEach((p, n) -> hosts.merge(p, n, Integer::sum)));
      RolloutState s = summary.state();
      return new Snapshot(
          s.policy().name(), s.phase(), s.wave(), s.waves().size(), hosts, phaseSince);
    }
  }

  private final Map<Long, Snapshot> live = new ConcurrentHashMap<>();
  private final AtomicBoolean refreshQueued = new AtomicBoolean();
  private final ScheduledExecutorService refresher =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "patchwave-metrics");
            t.setDaemon(true);
            return t;
          });

  public PatchwaveMetrics(
      MeterRegistry registry,
      RolloutStore rollouts,
      QuarantineStore quarantine,
      Clock clock,
      @ConfigProperty(name = "patchwave.metrics.refresh", defaultValue = "15s")
          Duration refreshEvery) {
    this.registry = registry;
    this.rollouts = rollouts;
    this.quarantine = quarantine;
    this.clock = clock;
    this.refreshEvery = refreshEvery;
    for (RolloutPhase p : RolloutPhase.values()) {
      AtomicInteger n = new AtomicInteger();
      byPhase.put(p, n);
      Gauge.builder("patchwave.rollouts", n, AtomicInteger::get)
          .description("Rollouts by phase")
          .tag("phase", p.name())
          .register(registry);
    }
    Gauge.builder("patchwave.quarantined.versions", quarantined, AtomicInteger::get)
        .description("Package versions in quarantine")
        .register(registry);
    Gauge.builder("patchwave.drains.in.progress", this, PatchwaveMetrics::draining)
        .description("Kubernetes node drains in progress (hosts DRAINING in unfinished rollouts)")
        .register(registry);
    hosts = multiGauge("patchwave.rollout.hosts", "Hosts of an unfinished rollout by phase");
    wave = multiGauge("patchwave.rollout.wave", "The wave an unfinished rollout is at (0-based)");
    waves = multiGauge("patchwave.rollout.waves", "Waves of an unfinished rollout");
    done =
        multiGauge(
            "patchwave.rollout.hosts.done",
            "Hosts of an unfinished rollout that are done (healthy or skipped)");
    phaseSince =
        multiGauge(
            "patchwave.rollout.phase.since.timestamp.seconds",
            "Since when an unfinished rollout is in its phase (Unix seconds)");
    haltDetection =
        Timer.builder("patchwave.halt.detection")
            .description("From the failed check or step that halts a rollout to the halt")
            .publishPercentileHistogram()
            .register(registry);
  }

  private MultiGauge multiGauge(String name, String description) {
    return MultiGauge.builder(name).description(description).register(registry);
  }

  void onStart(@Observes StartupEvent e) {
    long ms = refreshEvery.toMillis();
    refresher.scheduleWithFixedDelay(this::refreshSafely, 0, ms, TimeUnit.MILLISECONDS);
  }

  void onStop(@Observes ShutdownEvent e) {
    refresher.shutdownNow();
  }

  /** Hosts draining in the unfinished rollouts this instance knows. */
  private double draining() {
    return live.values().stream()
        .mapToInt(s -> s.hosts().getOrDefault(HostPhase.DRAINING, 0))
        .sum();
  }

  /** Times one host command. */
  public void command(String kind, String transport, Duration took, boolean ok) {
    Timer.builder("patchwave.host.command.duration")
        .description("Duration of commands on hosts, by kind and transport")
        .tags("kind", kind, "transport", transport, "outcome", ok ? "ok" : "error")
        .publishPercentileHistogram()
        .register(registry)
        .record(took);
  }

  @Override
  public void observed(long rolloutId, Observation o) {
    if (o instanceof Observation.HealthReport h) {
      boolean failed = false;
      for (CheckResult r : h.results()) {
        Counter.builder("patchwave.health.checks")
            .description("Health check results by check and verdict")
            .tags("check", r.check(), "verdict", r.verdict().name())
            .register(registry)
            .increment();
        failed |= r.verdict() == Verdict.FAIL;
      }
      if (failed) {
        lastFailure.put(rolloutId, clock.instant());
      }
    } else if (o instanceof Observation.HostStepFailed f && !f.retry()) {
      lastFailure.put(rolloutId, clock.instant());
    } else if (o instanceof Observation.StillBooting) {
      // the look after which the machine may give up on the host (DID_NOT_COME_BACK)
      lastFailure.put(rolloutId, clock.instant());
    }
  }

  @Override
  public void saved(RolloutState before, Decision d) {
    RolloutState after = d.state();
    String policy = after.policy().name();
    if (after.phase().isTerminal()) {
      live.remove(after.id());
    } else {
      Snapshot known = live.get(after.id());
      Instant since =
          known != null && before.phase() == after.phase() ? known.phaseSince() : clock.instant();
      live.put(after.id(), Snapshot.of(after, since));
    }
    if (before.phase() != after.phase()) {
      if (after.phase() == RolloutPhase.HALTED) {
        counter("patchwave.rollouts.halted", policy);
        Instant failed = lastFailure.remove(after.id());
        if (failed != null) {
          haltDetection.record(Duration.between(failed, clock.instant()));
        }
      } else if (after.phase() == RolloutPhase.COMPLETED
          || after.phase() == RolloutPhase.COMPLETED_WITH_SKIPS) {
        counter("patchwave.rollouts.completed", policy);
      }
      if (after.phase().isTerminal()) {
        lastFailure.remove(after.id());
      }
    }
    refreshSoon();
  }

  @Override
  public void created(RolloutState s) {
    live.put(s.id(), Snapshot.of(s, clock.instant()));
    counter("patchwave.rollouts.started", s.policy().name());
    refreshSoon();
  }

  private void counter(String name, String policy) {
    Counter.builder(name).tag("policy", policy).register(registry).increment();
  }

  private void refreshSoon() {
    if (refreshQueued.compareAndSet(false, true)) {
      refresher.execute(
          () -> {
            refreshQueued.set(false);
            try {
              refreshCounts();
              publish();
            } catch (RuntimeException e) {
              LOG.debugf("metrics refresh failed: %s", e.getMessage());
            }
          });
    }
  }

  private void refreshSafely() {
    try {
      refresh();
    } catch (RuntimeException e) {
      LOG.debugf("metrics refresh failed: %s", e.getMessage());
    }
  }

  /**
   * Reads everything from the database (the truth every replica shares): the counts, and the state
   * of every unfinished rollout. Every {@code patchwave.metrics.refresh}.
   */
  void refresh() {
    refreshCounts();
    Map<Long, Snapshot> now = new HashMap<>();
    for (long id : rollouts.active()) {
      rollouts.summary(id).ifPresent(st -> now.put(id, Snapshot.of(st, rollouts.phaseSince(id))));
    }
    live.keySet().retainAll(now.keySet());
    live.putAll(now);
    publish();
  }

  /** The aggregate counts only; cheap enough after every decision. */
  private void refreshCounts() {
    Map<String, Long> counts = rollouts.countByPhase();
    byPhase.forEach((p, n) -> n.set(counts.getOrDefault(p.name(), 0L).intValue()));
    quarantined.set(quarantine.active().size());
  }

  /**
   * The per-rollout gauges: one row per unfinished rollout this instance knows, its value read from
   * {@link #live} when scraped. Rows are only added and removed here, never replaced, so a scrape
   * never falls between a removal and a registration.
   */
  private void publish() {
    List<MultiGauge.Row<?>> hostRows = new ArrayList<>();
    List<MultiGauge.Row<?>> waveRows = new ArrayList<>();
    List<MultiGauge.Row<?>> wavesRows = new ArrayList<>();
    List<MultiGauge.Row<?>> doneRows = new ArrayList<>();
    List<MultiGauge.Row<?>> sinceRows = new ArrayList<>();
    live.forEach(
        (id, snapshot) -> {
          Tags tags = Tags.of("rollout", Long.toString(id), "policy", snapshot.policy());
          for (HostPhase p : HostPhase.values()) {
            hostRows.add(
                MultiGauge.Row.of(tags.and("phase", p.name()), () -> hostsIn(id, Set.of(p))));
          }
          waveRows.add(MultiGauge.Row.of(tags, () -> value(id, Snapshot::wave)));
          wavesRows.add(MultiGauge.Row.of(tags, () -> value(id, Snapshot::waves)));
          doneRows.add(
              MultiGauge.Row.of(
                  tags, () -> hostsIn(id, Set.of(HostPhase.HEALTHY, HostPhase.SKIPPED))));
          sinceRows.add(
              MultiGauge.Row.of(
                  tags.and("phase", snapshot.phase().name()),
                  () -> value(id, s -> s.phaseSince().getEpochSecond())));
        });
    hosts.register(hostRows, false);
    wave.register(waveRows, false);
    waves.register(wavesRows, false);
    done.register(doneRows, false);
    phaseSince.register(sinceRows, false);
  }

  private Number value(long id, java.util.function.Function<Snapshot, Number> f) {
    Snapshot s = live.get(id);
    return s == null ? Double.NaN : f.apply(s);
  }

  private Number hostsIn(long id, Set<HostPhase> phases) {
    return value(id, s -> phases.stream().mapToInt(p -> s.hosts().getOrDefault(p, 0)).sum());
  }
}
