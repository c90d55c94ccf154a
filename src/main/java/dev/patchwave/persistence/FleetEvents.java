package dev.patchwave.persistence;

import dev.patchwave.inventory.FleetEvent;
import dev.patchwave.inventory.FleetEvent.Kind;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Events about the fleet rather than one rollout: drift found by a scan, a host adopted or
 * restored, a schedule that fired (and what it did), a security update pending past its policy's
 * maximum age. Append-only.
 */
@ApplicationScoped
public class FleetEvents {

  private final EntityManager em;
  private final Clock clock;

  public FleetEvents(EntityManager em, Clock clock) {
    this.em = em;
    this.clock = clock;
  }

  @Transactional
  public FleetEvent record(
      Kind kind, String host, String policy, Long rollout, String actor, String detail) {
    Instant at = clock.instant();
    String text = detail.length() > 4000 ? detail.substring(0, 3997) + "..." : detail;
    FleetEventRecord r = new FleetEventRecord();
    r.occurredAt = RolloutStore.odt(at);
    r.kind = kind.name();
    r.host = host;
    r.policy = policy;
    r.rolloutId = rollout;
    r.actor = actor;
    r.detail = text;
    r.persist();
    long id = r.id;
    return new FleetEvent(
        id,
        at,
        kind,
        Optional.ofNullable(host),
        Optional.ofNullable(policy),
        Optional.ofNullable(rollout),
        actor,
        text);
  }

  /** Events after {@code afterId}, oldest first, optionally of one kind and one host. */
  @Transactional
  public List<FleetEvent> list(
      Optional<Kind> kind, Optional<String> host, long afterId, int limit) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT id, occurred_at, kind, host, policy, rollout_id, actor, detail FROM fleet_event"
                + " WHERE id > :after");
    kind.ifPresent(k -> sql.append(" AND kind = :kind"));
    host.ifPresent(h -> sql.append(" AND host = :host"));
    sql.append(" ORDER BY id");
    var q = em.createNativeQuery(sql.toString()).setParameter("after", afterId);
    kind.ifPresent(k -> q.setParameter("kind", k.name()));
    host.ifPresent(h -> q.setParameter("host", h));
    @SuppressWarnings("unchecked")
    List<Object[]> rows = q.setMaxResults(limit).getResultList();
    List<FleetEvent> out = new ArrayList<>();
    for (Object[] r : rows) {
      out.add(
          new FleetEvent(
              ((Number) r[0]).longValue(),
              ScanStore.instant(r[1]),
              Kind.valueOf((String) r[2]),
              Optional.ofNullable((String) r[3]),
              Optional.ofNullable((String) r[4]),
              Optional.ofNullable(r[5]).map(n -> ((Number) n).longValue()),
              (String) r[6],
              (String) r[7]));
    }
    return out;
  }
}
