package dev.patchwave.persistence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.patchwave.patch.HostScan;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PendingUpdate;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What scans learned, per host: the last good scan (kept when a later attempt fails, with why it
 * failed), the pending updates as rows (for the fleet view), when each version was first seen,
 * which rollout installed which version where, and the hosts whose own updates were turned off.
 */
@ApplicationScoped
public class ScanStore {

  private final EntityManager em;
  private final ObjectMapper json;

  public ScanStore(EntityManager em, ObjectMapper json) {
    this.em = em;
    this.json = json;
  }

  /** A host's scan record: the last good scan (if any) and the last attempt. */
  public record Record(
      String host, Optional<HostScan> scan, Instant attemptedAt, Optional<String> error) {}

  /** One pending version across the fleet. */
  public record Pending(
      String packageName,
      String version,
      boolean security,
      long hosts,
      Optional<Instant> firstSeen) {

    public PackageVersion packageVersion() {
      return new PackageVersion(packageName, version);
    }
  }

  /** Saves a good scan of {@code host}: the scan, its pending updates. */
  @Transactional
  public void saved(String host, HostScan scan) {
    String doc = encode(scan);
    int updated =
        em.createNativeQuery(
                "UPDATE host_scan SET scanned_at = :at, scan = :scan, attempted_at = :at,"
                    + " error = NULL WHERE host = :host")
            .setParameter("at", odt(scan.at()))
            .setParameter("scan", doc)
            .setParameter("host", host)
            .executeUpdate();
    if (updated == 0) {
      em.createNativeQuery(
              "INSERT INTO host_scan (host, scanned_at, scan, attempted_at) VALUES"
                  + " (:host, :at, :scan, :at)")
          .setParameter("host", host)
          .setParameter("at", odt(scan.at()))
          .setParameter("scan", doc)
          .executeUpdate();
    }
    em.createNativeQuery("DELETE FROM host_pending WHERE host = :host")
        .setParameter("host", host)
        .executeUpdate();
    Map<String, PendingUpdate> byName = new LinkedHashMap<>();
    scan.pending().forEach(u -> byName.put(u.name(), u));
    for (PendingUpdate u : byName.values()) {
      em.createNativeQuery(
              "INSERT INTO host_pending (host, package, version, security) VALUES"
                  + " (:host, :package, :version, :security)")
          .setParameter("host", host)
          .setParameter("package", u.name())
          .setParameter("version", u.candidate())
          .setParameter("security", u.security())
          .executeUpdate();
    }
  }

  /** A scan of {@code host} failed: the last good scan stays, with why this one failed. */
  @Transactional
  public void failed(String host, Instant at, String why) {
    String error = why.length() > 2000 ? why.substring(0, 1997) + "..." : why;
    int updated =
        em.createNativeQuery(
                "UPDATE host_scan SET attempted_at = :at, error = :error WHERE host = :host")
            .setParameter("at", odt(at))
            .setParameter("error", error)
            .setParameter("host", host)
            .executeUpdate();
    if (updated == 0) {
      em.createNativeQuery(
              "INSERT INTO host_scan (host, attempted_at, error) VALUES (:host, :at, :error)")
          .setParameter("host", host)
          .setParameter("at", odt(at))
          .setParameter("error", error)
          .executeUpdate();
    }
  }

  /**
   * First sightings read or written by this controller: a row, once there, never changes and is
   * never deleted, so a survey of 100,000 hosts asks the database once per version, not per host.
   */
  private final Map<PackageVersion, Instant> known = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Notes {@code pending} as seen at {@code at} on {@code host}: a version not seen before gets its
   * first-seen time. Versions this controller knows have a row cost nothing; the others are
   * inserted in a transaction of their own under the fleet lock row, so concurrent scans and
   * surveys that see the same new version do not race (the first one's time stands).
   */
  public void seen(String host, Collection<PendingUpdate> pending, Instant at) {
    List<PendingUpdate> unknown =
        pending.stream().filter(u -> !known.containsKey(u.candidateVersion())).toList();
    if (unknown.isEmpty()) {
      return;
    }
    // most are recorded already (another host saw them first): a plain read, no lock
    Map<PackageVersion, Instant> recorded =
        firstSeen(unknown.stream().map(PendingUpdate::candidateVersion).toList());
    List<PendingUpdate> fresh =
        unknown.stream().filter(u -> !recorded.containsKey(u.candidateVersion())).toList();
    if (fresh.isEmpty()) {
      return;
    }
    io.quarkus.narayana.jta.QuarkusTransaction.requiringNew()
        .run(
            () -> {
              em.createNativeQuery("SELECT id FROM fleet_lock WHERE id = 1 FOR UPDATE")
                  .getResultList();
              for (PendingUpdate u : fresh) {
                em.createNativeQuery(
                        "INSERT INTO package_seen (package, version, security, first_seen,"
                            + " first_host) SELECT :package, :version, :security, :at, :host"
                            + " FROM fleet_lock WHERE id = 1 AND NOT EXISTS (SELECT 1 FROM"
                            + " package_seen WHERE package = :package AND version = :version)")
                    .setParameter("package", u.name())
                    .setParameter("version", u.candidate())
                    .setParameter("security", u.security())
                    .setParameter("at", odt(at))
                    .setParameter("host", host)
                    .executeUpdate();
              }
            });
    // what now stands (ours, or a concurrent sighting's) is read back by the next firstSeen
  }

  /** When each of {@code versions} was first seen pending, for those seen at all. */
  public Map<PackageVersion, Instant> firstSeen(Collection<PackageVersion> versions) {
    Map<PackageVersion, Instant> out = new HashMap<>();
    List<PackageVersion> ask = new ArrayList<>();
    for (PackageVersion v : versions) {
      Instant t = known.get(v);
      if (t != null) {
        out.put(v, t);
      } else {
        ask.add(v);
      }
    }
    if (!ask.isEmpty()) {
      Map<PackageVersion, Instant> read = readFirstSeen(ask);
      known.putAll(read);
      out.putAll(read);
    }
    return out;
  }

  @Transactional
  Map<PackageVersion, Instant> readFirstSeen(Collection<PackageVersion> asked) {
    java.util.Set<PackageVersion> versions = new java.util.HashSet<>(asked);
    Map<PackageVersion, Instant> out = new HashMap<>();
    List<String> names = versions.stream().map(PackageVersion::name).distinct().toList();
    for (int from = 0; from < names.size(); from += 500) {
      @SuppressWarnings("unchecked")
      List<Object[]> rows =
          em.createNativeQuery(
                  "SELECT package, version, first_seen FROM package_seen WHERE package IN (:names)")
              .setParameter("names", names.subList(from, Math.min(names.size(), from + 500)))
              .getResultList();
      for (Object[] r : rows) {
        PackageVersion v = new PackageVersion((String) r[0], (String) r[1]);
        if (versions.contains(v)) {
          out.put(v, instant(r[2]));
        }
      }
    }
    return out;
  }

  @Transactional
  public Optional<Record> get(String host) {
    @SuppressWarnings("unchecked")
    List<Object[]> rows =
        em.createNativeQuery(
                "SELECT host, scan, attempted_at, error FROM host_scan WHERE host = :host")
            .setParameter("host", host)
            .getResultList();
    return rows.stream().findFirst().map(this::record);
  }

  /** Every host's record, by host name. */
  @Transactional
  public Map<String, Record> all() {
    @SuppressWarnings("unchecked")
    List<Object[]> rows =
        em.createNativeQuery("SELECT host, scan, attempted_at, error FROM host_scan")
            .getResultList();
    Map<String, Record> out = new TreeMap<>();
    rows.forEach(r -> out.put((String) r[0], record(r)));
    return out;
  }

  /** Every pending version in the fleet with how many hosts need it, by package and version. */
  @Transactional
  public List<Pending> pending() {
    @SuppressWarnings("unchecked")
    List<Object[]> rows =
        em.createNativeQuery(
                "SELECT p.package, p.version, MAX(CASE WHEN p.security THEN 1 ELSE 0 END),"
                    + " COUNT(*), MIN(s.first_seen) FROM host_pending p LEFT JOIN package_seen s"
                    + " ON s.package = p.package AND s.version = p.version"
                    + " GROUP BY p.package, p.version ORDER BY p.package, p.version")
            .getResultList();
    List<Pending> out = new ArrayList<>();
    for (Object[] r : rows) {
      out.add(
          new Pending(
              (String) r[0],
              (String) r[1],
              ((Number) r[2]).intValue() == 1,
              ((Number) r[3]).longValue(),
              Optional.ofNullable(r[4]).map(ScanStore::instant)));
    }
    return out;
  }

  /** The hosts that have {@code v} pending. */
  @Transactional
  public List<String> hostsNeeding(PackageVersion v) {
    @SuppressWarnings("unchecked")
    List<String> rows =
        em.createNativeQuery(
                "SELECT host FROM host_pending WHERE package = :p AND version = :v ORDER BY host")
            .setParameter("p", v.name())
            .setParameter("v", v.version())
            .getResultList();
    return rows;
  }

  /** Notes that rollout {@code rolloutId} installed these versions on these hosts. */
  @Transactional
  public void installed(long rolloutId, Map<String, List<PackageVersion>> byHost, Instant at) {
    byHost.forEach(
        (host, versions) -> {
          for (PackageVersion v : versions) {
            em.createNativeQuery(
                    "INSERT INTO host_install (host, package, version, rollout_id, installed_at)"
                        + " SELECT :host, :package, :version, :rollout, :at FROM fleet_lock"
                        + " WHERE id = 1 AND NOT EXISTS (SELECT 1 FROM host_install WHERE"
                        + " host = :host AND package = :package AND version = :version"
                        + " AND rollout_id = :rollout)")
                .setParameter("host", host)
                .setParameter("package", v.name())
                .setParameter("version", v.version())
                .setParameter("rollout", rolloutId)
                .setParameter("at", odt(at))
                .executeUpdate();
          }
        });
  }

  /** Whether some rollout installed {@code v} on {@code host}. */
  @Transactional
  public boolean installedByRollout(String host, PackageVersion v) {
    return ((Number)
                em.createNativeQuery(
                        "SELECT COUNT(*) FROM host_install WHERE host = :host AND package = :p"
                            + " AND version = :v")
                    .setParameter("host", host)
                    .setParameter("p", v.name())
                    .setParameter("v", v.version())
                    .getSingleResult())
            .longValue()
        > 0;
  }

  /** Rollout id to the hosts it installed {@code v} on. */
  @Transactional
  public Map<Long, List<String>> installs(PackageVersion v) {
    @SuppressWarnings("unchecked")
    List<Object[]> rows =
        em.createNativeQuery(
                "SELECT rollout_id, host FROM host_install WHERE package = :p AND version = :v"
                    + " ORDER BY rollout_id, host")
            .setParameter("p", v.name())
            .setParameter("v", v.version())
            .getResultList();
    Map<Long, List<String>> out = new TreeMap<>();
    rows.forEach(
        r ->
            out.computeIfAbsent(((Number) r[0]).longValue(), k -> new ArrayList<>())
                .add((String) r[1]));
    return out;
  }

  /** The policy that adopted {@code host} and what it changed, if any did. */
  @Transactional
  public Optional<String[]> adoption(String host) {
    @SuppressWarnings("unchecked")
    List<Object[]> rows =
        em.createNativeQuery("SELECT policy, note FROM host_adoption WHERE host = :host")
            .setParameter("host", host)
            .getResultList();
    return rows.stream().findFirst().map(r -> new String[] {(String) r[0], (String) r[1]});
  }

  @Transactional
  public void adopted(String host, String policy, String note, Instant at) {
    em.createNativeQuery("DELETE FROM host_adoption WHERE host = :host")
        .setParameter("host", host)
        .executeUpdate();
    em.createNativeQuery(
            "INSERT INTO host_adoption (host, policy, note, adopted_at) VALUES"
                + " (:host, :policy, :note, :at)")
        .setParameter("host", host)
        .setParameter("policy", policy)
        .setParameter("note", note)
        .setParameter("at", odt(at))
        .executeUpdate();
  }

  @Transactional
  public void restored(String host) {
    em.createNativeQuery("DELETE FROM host_adoption WHERE host = :host")
        .setParameter("host", host)
        .executeUpdate();
  }

  /**
   * Records an overdue alert for (policy, version) unless one was raised already; true when this
   * call raised it.
   */
  @Transactional
  public boolean raiseOverdue(String policy, PackageVersion v, Instant at) {
    return em.createNativeQuery(
                "INSERT INTO overdue_alert (policy, package, version, raised_at)"
                    + " SELECT :policy, :p, :v, :at FROM fleet_lock WHERE id = 1 AND NOT EXISTS"
                    + " (SELECT 1 FROM overdue_alert WHERE policy = :policy AND package = :p"
                    + " AND version = :v)")
            .setParameter("policy", policy)
            .setParameter("p", v.name())
            .setParameter("v", v.version())
            .setParameter("at", odt(at))
            .executeUpdate()
        > 0;
  }

  private Record record(Object[] r) {
    return new Record(
        (String) r[0],
        Optional.ofNullable(r[1]).map(o -> decode(text(o))),
        instant(r[2]),
        Optional.ofNullable((String) r[3]));
  }

  private String encode(HostScan scan) {
    try {
      return json.writeValueAsString(scan);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a scan", e);
    }
  }

  private HostScan decode(String doc) {
    try {
      return json.readValue(doc, HostScan.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a stored scan cannot be read back: " + e.getMessage(), e);
    }
  }

  private static String text(Object o) {
    if (o instanceof java.sql.Clob c) {
      try {
        return c.getSubString(1, (int) c.length());
      } catch (java.sql.SQLException e) {
        throw new IllegalStateException(e);
      }
    }
    return (String) o;
  }

  static Instant instant(Object o) {
    if (o instanceof OffsetDateTime t) {
      return t.toInstant();
    }
    if (o instanceof java.sql.Timestamp t) {
      return t.toInstant();
    }
    if (o instanceof Instant i) {
      return i;
    }
    throw new IllegalStateException("not a time: " + o.getClass());
  }

  private static OffsetDateTime odt(Instant t) {
    return RolloutStore.odt(t);
  }
}
