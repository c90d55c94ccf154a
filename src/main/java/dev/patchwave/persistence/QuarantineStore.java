package dev.patchwave.persistence;

import dev.patchwave.patch.PackageVersion;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

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
    r.reason = reason.length() > 2000 ? reason.substring(0, 1997) + "..." : reason;
    r.createdAt = RolloutStore.odt(clock.instant());
    r.createdBy = actor;
    r.persist();
    return r;
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
