package dev.patchwave.engine;

import dev.patchwave.engine.RolloutEngine.Narrowing;
import dev.patchwave.engine.RolloutEngine.OnConflict;
import dev.patchwave.inventory.FleetEvent;
import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PendingUpdate;
import dev.patchwave.persistence.AuditLog;
import dev.patchwave.persistence.PolicyStore;
import dev.patchwave.persistence.QuarantineStore;
import dev.patchwave.persistence.ScanStore;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.RolloutScope;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.schedule.FleetSchedule;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * What the fleet's schedule sets off: the periodic scan, and each policy's trigger.
 *
 * <p>When a policy's trigger fires: scan its selected hosts afresh; take the pending versions the
 * policy's packages select that are not quarantined and were first seen at least {@code
 * minPackageAge} ago; if any host needs one, start a rollout as actor {@code schedule}, limited to
 * exactly those versions, leaving out hosts other rollouts own (windows and blackouts hold it as
 * any rollout). Nothing pending, or a rollout of the policy still running: a fleet event, no
 * rollout. Also keeps the Quartz triggers in step with the stored policies, and raises an alert
 * once per (policy, version) when a security version is pending past the policy's {@code
 * maxPackageAge}.
 */
@ApplicationScoped
public class ScheduledRollouts implements FleetSchedule.Handler {

  private static final Logger LOG = Logger.getLogger(ScheduledRollouts.class);

  /** The actor of rollouts a schedule starts. */
  public static final String ACTOR = "schedule";

  private final FleetSchedule schedule;
  private final FleetScans scans;
  private final ScanStore store;
  private final PolicyStore policies;
  private final QuarantineStore quarantine;
  private final HostSource inventory;
  private final RolloutEngine engine;
  private final AuditLog audit;
  private final Clock clock;
  private final boolean scanEnabled;
  private final Duration scanInterval;
  private final boolean triggersEnabled;
  private final Duration syncEvery;
  private final Duration overdueEvery;
  private final ExecutorService fired =
      Executors.newSingleThreadExecutor(RolloutEngine.daemon("patchwave-trigger"));
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(RolloutEngine.daemon("patchwave-schedule-sync"));

  public ScheduledRollouts(
      FleetSchedule schedule,
      FleetScans scans,
      ScanStore store,
      PolicyStore policies,
      QuarantineStore quarantine,
      HostSource inventory,
      RolloutEngine engine,
      AuditLog audit,
      Clock clock,
      @ConfigProperty(name = "patchwave.scan.enabled", defaultValue = "true") boolean scanEnabled,
      @ConfigProperty(name = "patchwave.scan.interval", defaultValue = "1h") Duration scanInterval,
      @ConfigProperty(name = "patchwave.schedule.triggers-enabled", defaultValue = "true")
          boolean triggersEnabled,
      @ConfigProperty(name = "patchwave.schedule.sync-interval", defaultValue = "30s")
          Duration syncEvery,
      @ConfigProperty(name = "patchwave.schedule.overdue-interval", defaultValue = "5m")
          Duration overdueEvery) {
    this.overdueEvery = overdueEvery;
    this.schedule = schedule;
    this.scans = scans;
    this.store = store;
    this.policies = policies;
    this.quarantine = quarantine;
    this.inventory = inventory;
    this.engine = engine;
    this.audit = audit;
    this.clock = clock;
    this.scanEnabled = scanEnabled;
    this.scanInterval = scanInterval;
    this.triggersEnabled = triggersEnabled;
    this.syncEvery = syncEvery;
  }

  void onStart(@Observes StartupEvent e) {
    if (scanEnabled) {
      schedule.scanEvery(scanInterval, Duration.ofSeconds(5));
    } else {
      schedule.noScans();
    }
    long every = Math.max(1000, syncEvery.toMillis());
    timer.scheduleWithFixedDelay(this::housekeeping, 0, every, TimeUnit.MILLISECONDS);
  }

  void onStop(@Observes ShutdownEvent e) {
    timer.shutdownNow();
    fired.shutdownNow();
  }

  private volatile Instant overdueChecked = Instant.MIN;

  private void housekeeping() {
    try {
      syncTriggers();
      Instant now = clock.instant();
      if (engine.isActive() && !now.isBefore(overdueChecked.plus(overdueEvery))) {
        overdueChecked = now;
        checkOverdue();
      }
    } catch (RuntimeException e) {
      LOG.warnf("schedule housekeeping failed: %s", e.getMessage());
    }
  }

  /** Brings the Quartz triggers in step with the stored policies' {@code trigger}s. */
  public void syncTriggers() {
    Map<String, RolloutPolicy.Trigger> triggers = new TreeMap<>();
    if (triggersEnabled) {
      for (PolicyStore.Entry p : policies.list()) {
        p.policy().spec().trigger().ifPresent(t -> triggers.put(p.name(), t));
      }
    }
    schedule.syncPolicyTriggers(triggers);
  }

  @Override
  public void scanFleet() {
    if (engine.isActive()) {
      int n = scans.scanAll(true);
      LOG.debugf("fleet scan: %d hosts queued", n);
    }
  }

  @Override
  public void policyTriggered(String policy) {
    if (engine.isActive()) {
      fired.execute(
          () -> {
            try {
              fire(policy);
            } catch (RuntimeException e) {
              LOG.errorf(e, "policy %s: the scheduled start failed", policy);
            }
          });
    }
  }

  /**
   * The trigger of {@code policyName} fired: scan, choose, start or say why not. Returns the
   * rollout started, if one was.
   */
  public Optional<RolloutState> fire(String policyName) {
    Optional<PolicyStore.Entry> entry = policies.get(policyName);
    if (entry.isEmpty() || entry.get().policy().spec().trigger().isEmpty()) {
      return Optional.empty();
    }
    RolloutPolicy policy = entry.get().policy();
    List<String> selected =
        inventory.hosts().stream()
            .filter(h -> policy.spec().selector().matches(h.labels()))
            .map(Host::name)
            .toList();
    Map<String, FleetScans.Outcome> scanned = scans.scanNow(selected);
    Instant now = clock.instant();
    Choice choice = choose(policy, scanned, now);
    if (choice.versions().isEmpty()) {
      String text =
          "nothing to roll out: "
              + choice.summary()
              + (choice.tooYoung().isEmpty()
                  ? ""
                  : "; younger than minPackageAge "
                      + format(policy.spec().minPackageAge())
                      + ": "
                      + join(choice.tooYoung()));
      scans.event(FleetEvent.Kind.SCHEDULE_NOTHING_PENDING, null, policyName, null, ACTOR, text);
      return Optional.empty();
    }
    try {
      RolloutState started =
          engine.start(
              policyName,
              ACTOR,
              OnConflict.SKIP,
              new Narrowing(Optional.empty(), Optional.of(choice.versions()), false));
      audit.record(
          ACTOR,
          "rollout.start",
          "rollout/" + started.id(),
          AuditLog.Outcome.SUCCESS,
          null,
          "policy " + policyName + ": " + choice.summary());
      scans.event(
          FleetEvent.Kind.SCHEDULE_STARTED,
          null,
          policyName,
          started.id(),
          ACTOR,
          "rollout "
              + started.id()
              + " started: "
              + choice.summary()
              + "; versions "
              + join(choice.versions()));
      return Optional.of(started);
    } catch (RolloutEngine.Refused e) {
      audit.record(
          ACTOR,
          "rollout.start",
          "policy/" + policyName,
          AuditLog.Outcome.REFUSED,
          null,
          e.getMessage());
      scans.event(FleetEvent.Kind.SCHEDULE_REFUSED, null, policyName, null, ACTOR, e.getMessage());
      return Optional.empty();
    }
  }

  /** The versions a scheduled start takes, and what it saw. */
  record Choice(Set<PackageVersion> versions, Set<PackageVersion> tooYoung, String summary) {}

  /**
   * From fresh scans: the pending versions {@code policy} selects (origin, include, exclude), not
   * quarantined, first seen at least {@code minPackageAge} before {@code now}.
   */
  Choice choose(RolloutPolicy policy, Map<String, FleetScans.Outcome> scanned, Instant now) {
    Set<PackageVersion> blocked = new HashSet<>(quarantine.active());
    RolloutPolicy.Packages packages = policy.spec().packages();
    Set<PackageVersion> candidates = new TreeSet<>();
    Map<PackageVersion, Integer> hostsNeeding = new LinkedHashMap<>();
    int failed = 0;
    for (FleetScans.Outcome o : scanned.values()) {
      if (!(o instanceof FleetScans.Outcome.Scanned s)) {
        failed++;
        continue;
      }
      for (PendingUpdate u : s.scan().pending()) {
        if ((packages.origin() == RolloutPolicy.PackageOrigin.ALL || u.security())
            && packages.selects(u.name())
            && !blocked.contains(u.candidateVersion())) {
          candidates.add(u.candidateVersion());
          hostsNeeding.merge(u.candidateVersion(), 1, Integer::sum);
        }
      }
    }
    RolloutScope age = RolloutState.scopeOf(policy);
    Map<PackageVersion, Instant> seen = store.firstSeen(candidates);
    Set<PackageVersion> taken = new TreeSet<>();
    Set<PackageVersion> young = new TreeSet<>();
    for (PackageVersion v : candidates) {
      (age.oldEnough(v, Optional.ofNullable(seen.get(v)), now) ? taken : young).add(v);
    }
    long needing =
        scanned.values().stream()
            .filter(FleetScans.Outcome.Scanned.class::isInstance)
            .map(o -> ((FleetScans.Outcome.Scanned) o).scan())
            .filter(sc -> sc.pending().stream().anyMatch(u -> taken.contains(u.candidateVersion())))
            .count();
    String summary =
        scanned.size()
            + " hosts scanned"
            + (failed > 0 ? " (" + failed + " failed)" : "")
            + ", "
            + needing
            + " need "
            + taken.size()
            + " versions old enough";
    return new Choice(taken, young, summary);
  }

  /**
   * Raises an alert (a fleet event, once per policy and version) for each security version pending
   * on a host a policy with {@code maxPackageAge} selects, first seen longer ago than that.
   */
  public List<FleetEvent> checkOverdue() {
    List<FleetEvent> raised = new ArrayList<>();
    List<ScanStore.Pending> pending = store.pending();
    if (pending.isEmpty()) {
      return raised;
    }
    Instant now = clock.instant();
    List<Host> hosts = inventory.hosts();
    for (PolicyStore.Entry p : policies.list()) {
      RolloutPolicy policy = p.policy();
      Optional<Duration> max =
          policy.spec().trigger().flatMap(RolloutPolicy.Trigger::maxPackageAge);
      if (max.isEmpty()) {
        continue;
      }
      Set<String> selected =
          hosts.stream()
              .filter(h -> policy.spec().selector().matches(h.labels()))
              .map(Host::name)
              .collect(Collectors.toSet());
      for (ScanStore.Pending u : pending) {
        if (!u.security()
            || !policy.spec().packages().selects(u.packageName())
            || u.firstSeen().isEmpty()
            || !u.firstSeen().get().isBefore(now.minus(max.get()))) {
          continue;
        }
        List<String> where =
            store.hostsNeeding(u.packageVersion()).stream().filter(selected::contains).toList();
        if (where.isEmpty() || !store.raiseOverdue(p.name(), u.packageVersion(), now)) {
          continue;
        }
        raised.add(
            scans.event(
                FleetEvent.Kind.UPDATE_OVERDUE,
                null,
                p.name(),
                null,
                "controller",
                u.packageVersion().pinned()
                    + " (security) pending for "
                    + format(Duration.between(u.firstSeen().get(), now))
                    + ", past maxPackageAge "
                    + format(max.get())
                    + ", on "
                    + where.size()
                    + " hosts: "
                    + where.stream().limit(10).collect(Collectors.joining(", "))
                    + (where.size() > 10 ? " ..." : "")));
      }
    }
    return raised;
  }

  private static String join(Set<PackageVersion> versions) {
    return versions.stream().map(PackageVersion::pinned).collect(Collectors.joining(" "));
  }

  static String format(Duration d) {
    long days = d.toDays();
    long hours = d.minusDays(days).toHours();
    long minutes = d.minusDays(days).minusHours(hours).toMinutes();
    StringBuilder b = new StringBuilder();
    if (days > 0) {
      b.append(days).append('d');
    }
    if (hours > 0) {
      b.append(hours).append('h');
    }
    if (minutes > 0 || b.length() == 0) {
      b.append(minutes).append('m');
    }
    return b.toString();
  }
}
