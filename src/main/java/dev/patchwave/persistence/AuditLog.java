package dev.patchwave.persistence;

import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The append-only audit log: who did what to what, and how it went. Each record is written in its
 * own transaction, so a call that fails and rolls back is still on record.
 */
@ApplicationScoped
public class AuditLog {

  /** The actor of everything the controller does by itself. */
  public static final String CONTROLLER = "controller";

  /** How an audited action ended. */
  public enum Outcome {
    SUCCESS,
    REFUSED,
    FAILED;

    public String word() {
      return name().toLowerCase();
    }

    public static Outcome ofStatus(int status) {
      return status < 400 ? SUCCESS : status < 500 ? REFUSED : FAILED;
    }
  }

  /** Filters of {@link #list}; empty means any. */
  public record Query(
      Optional<String> actor,
      Optional<String> action,
      Optional<String> target,
      Optional<String> outcome,
      Optional<Instant> since,
      Optional<Instant> until,
      Optional<Long> before,
      int limit) {}

  private final Clock clock;

  public AuditLog(Clock clock) {
    this.clock = clock;
  }

  @Transactional(Transactional.TxType.REQUIRES_NEW)
  public AuditRecord record(
      String actor, String action, String target, Outcome outcome, Integer status, String detail) {
    AuditRecord r = new AuditRecord();
    r.at = RolloutStore.odt(clock.instant());
    r.actor = clip(actor, 255);
    r.action = clip(action, 64);
    r.target = clip(target, 500);
    r.outcome = outcome.word();
    r.status = status;
    r.detail = clip(detail == null ? "" : detail, 2000);
    r.persist();
    return r;
  }

  /** How many records of {@code action} with {@code outcome} there are since {@code since}. */
  @Transactional
  public long count(String action, Outcome outcome, Instant since) {
    return AuditRecord.count(
        "action = ?1 and outcome = ?2 and at >= ?3",
        action,
        outcome.word(),
        RolloutStore.odt(since));
  }

  /** Newest first; page with {@code before} = the smallest id of the previous page. */
  @Transactional
  public List<AuditRecord> list(Query q) {
    List<String> where = new ArrayList<>();
    Parameters p = new Parameters();
    q.actor().ifPresent(v -> add(where, p, "actor = :actor", "actor", v));
    q.action().ifPresent(v -> add(where, p, "action = :action", "action", v));
    // a prefix, taken literally: _ and % in it are not wildcards
    q.target()
        .ifPresent(
            v ->
                add(
                    where,
                    p,
                    "target like :target escape '!'",
                    "target",
                    v.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"));
    q.outcome().ifPresent(v -> add(where, p, "outcome = :outcome", "outcome", v));
    q.since().ifPresent(v -> add(where, p, "at >= :since", "since", RolloutStore.odt(v)));
    q.until().ifPresent(v -> add(where, p, "at < :until", "until", RolloutStore.odt(v)));
    q.before().ifPresent(v -> add(where, p, "id < :before", "before", v));
    Sort newestFirst = Sort.descending("id");
    return (where.isEmpty()
            ? AuditRecord.<AuditRecord>findAll(newestFirst)
            : AuditRecord.<AuditRecord>find(String.join(" and ", where), newestFirst, p))
        .page(0, q.limit())
        .list();
  }

  private static void add(List<String> where, Parameters p, String clause, String name, Object v) {
    where.add(clause);
    p.and(name, v);
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }
}
