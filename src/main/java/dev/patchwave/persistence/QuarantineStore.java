package dev.patchwave.persistence;

import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.Pins;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Quarantined package versions. A version is active until released; rows are never deleted. */
@ApplicationScoped
public class QuarantineStore {

  private final Clock clock;

  public QuarantineStore(Clock clock) {
    this.clock = clock;
  }

  /** Adds {@code v} unless it is already active; returns the active row either way. */
  @Transactional
  public QuarantineRecord add(
      PackageVersion v, Long rolloutId, String host, String reason, String actor) {
    return add(v, rolloutId, host, reason, actor, null);
  }

  private QuarantineRecord add(
      PackageVersion v, Long rolloutId, String host, String reason, String actor, Long incident) {
    Optional<QuarantineRecord> existing =
        QuarantineRecord.<QuarantineRecord>find(
                "packageName = ?1 and version = ?2 and releasedAt is null", v.name(), v.version())
            .firstResultOptional();
    if (existing.isPresent()) {
      return existing.get();
    }
    QuarantineRecord r = new QuarantineRecord();
    r.packageName = v.name();
    r.version = v.version();
    r.rolloutId = rolloutId;
    r.host = host;
    r.reason = clip(reason);
    r.createdAt = RolloutStore.odt(clock.instant());
    r.createdBy = actor;
    r.incidentId = incident;
    r.verdict = incident == null ? null : SUSPECT;
    r.persist();
    return r;
  }

  /**
   * Quarantines what failed host {@code host} of rollout {@code rolloutId} newly installed as the
   * suspects of one incident (ADR 20); a version already quarantined stays with its entry, and with
   * nothing new there is no incident. Run twice for the same host and rollout, it finds the
   * incident it made.
   */
  @Transactional
  public Optional<IncidentRecord> addIncident(
      List<PackageVersion> versions, long rolloutId, String host, String reason, String actor) {
    Optional<IncidentRecord> known =
        IncidentRecord.<IncidentRecord>find("rolloutId = ?1 and host = ?2", rolloutId, host)
            .firstResultOptional();
    Set<PackageVersion> active = new HashSet<>(active());
    List<PackageVersion> fresh = versions.stream().filter(v -> !active.contains(v)).toList();
    if (known.isEmpty() && fresh.isEmpty()) {
      // every version is quarantined already, a suspect of the incident it came with (a host
      // proving it failed): no incident without suspects
      return Optional.empty();
    }
    IncidentRecord incident =
        known.orElseGet(
            () -> {
              IncidentRecord i = new IncidentRecord();
              i.rolloutId = rolloutId;
              i.host = host;
              i.reason = clip(reason);
              i.createdAt = RolloutStore.odt(clock.instant());
              i.persist();
              return i;
            });
    for (PackageVersion v : fresh) {
      add(v, rolloutId, host, reason, actor, incident.id);
    }
    return Optional.of(incident);
  }

  public static final String SUSPECT = "SUSPECT";
  public static final String INNOCENT = "INNOCENT";
  public static final String CULPRIT = "CULPRIT";
  public static final String IMPLICATED = "IMPLICATED";

  @Transactional
  public Optional<IncidentRecord> incident(long id) {
    return IncidentRecord.findByIdOptional(id);
  }

  /** Incidents, newest first, at most {@code limit}. */
  @Transactional
  public List<IncidentRecord> incidents(int limit) {
    return IncidentRecord.<IncidentRecord>findAll(Sort.descending("id")).page(0, limit).list();
  }

  /** An incident's entries (released ones too), in the order they were quarantined. */
  @Transactional
  public List<QuarantineRecord> entriesOf(long incidentId) {
    return QuarantineRecord.list("incidentId", Sort.ascending("id"), incidentId);
  }

  /**
   * An incident's suspects: its entries still active and not proven either way (implicated ones
   * included).
   */
  @Transactional
  public List<PackageVersion> suspectsOf(long incidentId) {
    return withVerdict(incidentId, List.of(SUSPECT, IMPLICATED));
  }

  /** An incident's implicated suspects: a group proven guilty as a whole holds the culprit. */
  @Transactional
  public List<PackageVersion> implicatedOf(long incidentId) {
    return withVerdict(incidentId, List.of(IMPLICATED));
  }

  private static List<PackageVersion> withVerdict(long incidentId, List<String> verdicts) {
    return QuarantineRecord.<QuarantineRecord>list(
            "incidentId = ?1 and verdict in ?2 and releasedAt is null",
            Sort.ascending("id"),
            incidentId,
            verdicts)
        .stream()
        .map(r -> new PackageVersion(r.packageName, r.version))
        .toList();
  }

  /**
   * What the pins block, host by host: the active versions, less those a running isolation proves
   * on its host now.
   */
  @Transactional
  public Pins pins() {
    java.util.Map<String, java.util.Set<PackageVersion>> proving = new java.util.TreeMap<>();
    QuarantineRecord.getEntityManager()
        .createQuery(
            "select i.host, s.versions from IsolationRecord i, IsolationStepRecord s"
                + " where s.isolationId = i.id and i.phase = 'RUNNING' and s.outcome is null",
            Object[].class)
        .getResultStream()
        .forEach(
            row ->
                proving
                    .computeIfAbsent((String) row[0], h -> new java.util.TreeSet<>())
                    .addAll(IsolationStore.versions((String) row[1])));
    return new Pins(active(), proving);
  }

  private static String clip(String reason) {
    return reason.length() > 2000 ? reason.substring(0, 1997) + "..." : reason;
  }

  @Transactional
  public List<QuarantineRecord> list(boolean includeReleased) {
    return includeReleased
        ? QuarantineRecord.listAll(Sort.descending("id"))
        : QuarantineRecord.list("releasedAt is null", Sort.descending("id"));
  }

  /**
   * The versions that are blocked now. Read on every survey and patch of a host (a quarantine
   * applies to the next install at once), so read as plain values, not entities.
   */
  @Transactional
  public List<PackageVersion> active() {
    return QuarantineRecord.getEntityManager()
        .createQuery(
            "select r.packageName, r.version from QuarantineRecord r"
                + " where r.releasedAt is null order by r.id",
            Object[].class)
        .getResultStream()
        .map(row -> new PackageVersion((String) row[0], (String) row[1]))
        .distinct()
        .toList();
  }

  /** Releases one entry; false if there is no such active entry. */
  @Transactional
  public boolean release(long id, String actor) {
    QuarantineRecord r = QuarantineRecord.findById(id);
    if (r == null || r.releasedAt != null) {
      return false;
    }
    r.releasedAt = RolloutStore.odt(clock.instant());
    r.releasedBy = actor;
    return true;
  }

  @Transactional
  public Optional<QuarantineRecord> get(long id) {
    return QuarantineRecord.findByIdOptional(id);
  }
}
