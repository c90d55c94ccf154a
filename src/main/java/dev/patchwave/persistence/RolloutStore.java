package dev.patchwave.persistence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.patchwave.doc.DocumentException;
import dev.patchwave.patch.PatchSet;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.Event;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.Reason;
import dev.patchwave.rollout.RolloutPhase;
import dev.patchwave.rollout.RolloutScope;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.rollout.WaveState;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rollouts in the database: the state document, its events, and the fenced lease.
 *
 * <p>Every save is fenced: it succeeds only while this instance holds the rollout's lease with the
 * token it acquired, so an instance that was paused or partitioned past its lease cannot write (and
 * so cannot act: actions follow only a successful save).
 */
@ApplicationScoped
public class RolloutStore {

  private final ObjectMapper json;
  private final Clock clock;

  public RolloutStore(ObjectMapper json, Clock clock) {
    this.json = json;
    this.clock = clock;
  }

  /** The state document: a {@link RolloutState} without its policy (stored as source text). */
  record StateDocument(
      String startedBy,
      Instant startedAt,
      RolloutPhase phase,
      Reason reason,
      String detail,
      Optional<RolloutPhase> resumeTo,
      Optional<PatchSet> patchSet,
      int wave,
      List<WaveState> waves,
      Map<String, HostState> hosts,
      RolloutScope scope) {}

  /** A rollout as stored, with the policy text it runs. */
  public record Stored(RolloutState state, String policySource, long version) {}

  /** The right to act on one rollout: valid while the lease row still carries this token. */
  public record Fence(long rolloutId, String holder, long token) {}

  /** Thrown when a save finds the lease taken over, or the row changed underneath. */
  public static final class LostLease extends RuntimeException {
    public LostLease(String message) {
      super(message);
    }
  }

  /**
   * Thrown when a rollout cannot be created because its policy already has an unfinished rollout or
   * one of its hosts is claimed by another one: the database's unique constraints said no.
   */
  public static final class Taken extends RuntimeException {
    public Taken(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Creates a rollout row (its id is assigned by the database) and claims every host of it, in one
   * transaction.
   *
   * @throws Taken if the policy has an unfinished rollout or a host is claimed already; nothing is
   *     written
   */
  @Transactional
  public RolloutState create(RolloutState draft, String policySource, List<Event> events) {
    RolloutRecord r = new RolloutRecord();
    r.policyName = draft.policy().name();
    r.runningPolicy = draft.policy().name();
    r.policySource = policySource;
    r.startedBy = draft.startedBy();
    r.startedAt = odt(draft.startedAt());
    fill(r, draft);
    try {
      r.persist();
      r.flush();
      claim(r.id, draft.hosts().keySet());
    } catch (jakarta.persistence.PersistenceException e) {
      if (!isConflict(e)) {
        throw e;
      }
      throw new Taken("policy or hosts taken by another rollout", e);
    }
    RolloutState saved = withId(draft, r.id);
    r.state = encode(saved);
    insertEvents(r.id, events);
    return saved;
  }

  /**
   * A unique constraint said no (SQLState class 23), or a concurrent insert of the same key timed
   * out or lost to another transaction (H2: HYT00 lock timeout, 90131 concurrent update;
   * PostgreSQL: 40001, 40P01): another start won. Anything else is a fault.
   */
  private static boolean isConflict(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        return state.startsWith("23")
            || state.equals("HYT00")
            || state.equals("90131")
            || state.startsWith("40");
      }
    }
    return false;
  }

  private void claim(long rolloutId, java.util.Collection<String> hosts) {
    OffsetDateTime at = odt(clock.instant());
    RolloutRecord.getEntityManager()
        .unwrap(org.hibernate.Session.class)
        .doWork(
            c -> {
              try (var insert =
                  c.prepareStatement(
                      "INSERT INTO host_claim (host, rollout_id, claimed_at) VALUES (?, ?, ?)")) {
                int batch = 0;
                for (String host : hosts) {
                  insert.setString(1, host);
                  insert.setLong(2, rolloutId);
                  insert.setObject(3, at);
                  insert.addBatch();
                  if (++batch % 500 == 0) {
                    insert.executeBatch();
                  }
                }
                insert.executeBatch();
              }
            });
  }

  /** The unfinished rollout that claims each of {@code hosts} that is claimed. */
  @Transactional
  public Map<String, Long> owners(java.util.Collection<String> hosts) {
    Map<String, Long> out = new java.util.TreeMap<>();
    List<String> all = List.copyOf(hosts);
    for (int from = 0; from < all.size(); from += 1000) {
      List<String> chunk = all.subList(from, Math.min(all.size(), from + 1000));
      @SuppressWarnings("unchecked")
      List<Object[]> rows =
          RolloutRecord.getEntityManager()
              .createNativeQuery("SELECT host, rollout_id FROM host_claim WHERE host IN (:hosts)")
              .setParameter("hosts", chunk)
              .getResultList();
      rows.forEach(row -> out.put((String) row[0], ((Number) row[1]).longValue()));
    }
    return out;
  }

  /** The unfinished rollout of {@code policyName}, if any. */
  @Transactional
  public Optional<Long> runningRolloutOf(String policyName) {
    return RolloutRecord.<RolloutRecord>find("runningPolicy", policyName)
        .firstResultOptional()
        .map(r -> r.id);
  }

  /**
   * Runs {@code work} in one transaction that first takes the fleet lock: the decisions of
   * different rollouts that count each other's hosts in flight are serialized, across controller
   * instances too.
   */
  @Transactional
  public <T> T underFleetLock(java.util.function.Supplier<T> work) {
    RolloutRecord.getEntityManager()
        .createNativeQuery("SELECT id FROM fleet_lock WHERE id = 1 FOR UPDATE")
        .getResultList();
    return work.get();
  }

  @Transactional
  public Optional<Stored> load(long id) {
    return RolloutRecord.<RolloutRecord>findByIdOptional(id).map(this::decode);
  }

  @Transactional
  public List<RolloutRecord> list(Optional<String> phase) {
    return phase
        .map(p -> RolloutRecord.<RolloutRecord>list("phase", Sort.descending("id"), p))
        .orElseGet(() -> RolloutRecord.listAll(Sort.descending("id")));
  }

  /** Ids of rollouts that are not finished: the ones to resume after a start. */
  @Transactional
  public List<Long> active() {
    return RolloutRecord.<RolloutRecord>list("runningPolicy is not null", Sort.ascending("id"))
        .stream()
        .map(r -> r.id)
        .toList();
  }

  /** How many rollouts are in each phase, by phase name. */
  @Transactional
  public Map<String, Long> countByPhase() {
    Map<String, Long> out = new java.util.TreeMap<>();
    RolloutRecord.getEntityManager()
        .createQuery(
            "select r.phase, count(r) from RolloutRecord r group by r.phase", Object[].class)
        .getResultList()
        .forEach(row -> out.put((String) row[0], (Long) row[1]));
    return out;
  }

  /** When rollout {@code id} entered its current phase. */
  @Transactional
  public Instant phaseSince(long id) {
    return RolloutRecord.<RolloutRecord>findByIdOptional(id)
        .map(r -> r.phaseSince.toInstant())
        .orElseThrow();
  }

  @Transactional
  public List<RolloutEventRecord> events(long id, long afterId, int limit) {
    return RolloutEventRecord.<RolloutEventRecord>find(
            "rolloutId = ?1 and id > ?2", Sort.ascending("id"), id, afterId)
        .page(0, limit)
        .list();
  }

  /**
   * Takes or renews the lease on {@code rolloutId} for {@code holder}: free, expired, or already
   * ours. The token grows whenever the holder changes. Empty while another instance holds it.
   */
  @Transactional(Transactional.TxType.REQUIRES_NEW)
  public Optional<Fence> acquire(long rolloutId, String holder, Duration ttl) {
    OffsetDateTime now = odt(clock.instant());
    RolloutLease lease = RolloutLease.findById(rolloutId, LockModeType.PESSIMISTIC_WRITE);
    if (lease == null) {
      lease = new RolloutLease();
      lease.rolloutId = rolloutId;
      lease.holder = holder;
      lease.token = 1;
      lease.expiresAt = now.plus(ttl);
      lease.persist();
      return Optional.of(new Fence(rolloutId, holder, 1));
    }
    if (!lease.holder.equals(holder) && lease.expiresAt.isAfter(now)) {
      return Optional.empty();
    }
    if (!lease.holder.equals(holder)) {
      lease.holder = holder;
      lease.token++;
    }
    lease.expiresAt = now.plus(ttl);
    return Optional.of(new Fence(rolloutId, holder, lease.token));
  }

  /** True while {@code fence} still holds (checked by host steps before they touch a host). */
  @Transactional
  public boolean isValid(Fence fence) {
    RolloutLease lease = RolloutLease.findById(fence.rolloutId());
    return lease != null
        && lease.holder.equals(fence.holder())
        && lease.token == fence.token()
        && lease.expiresAt.isAfter(odt(clock.instant()));
  }

  /** Lets the lease go (at shutdown), so another instance can take over at once. */
  @Transactional
  public void release(Fence fence) {
    RolloutLease lease = RolloutLease.findById(fence.rolloutId(), LockModeType.PESSIMISTIC_WRITE);
    if (lease != null && lease.holder.equals(fence.holder()) && lease.token == fence.token()) {
      lease.expiresAt = odt(clock.instant());
    }
  }

  /**
   * Saves the state and its events, if {@code fence} still holds and nobody saved since {@code
   * version}, and releases the claims of the hosts the rollout is done with (all of them once it
   * has ended).
   *
   * @param release hosts whose claims to delete
   * @throws LostLease otherwise; nothing is written
   */
  @Transactional
  public long save(
      RolloutState state,
      List<Event> events,
      Fence fence,
      long version,
      java.util.Collection<String> release) {
    RolloutLease lease = RolloutLease.findById(fence.rolloutId(), LockModeType.PESSIMISTIC_WRITE);
    if (lease == null || !lease.holder.equals(fence.holder()) || lease.token != fence.token()) {
      throw new LostLease("lease of rollout " + fence.rolloutId() + " was taken over");
    }
    RolloutRecord r = RolloutRecord.findById(state.id(), LockModeType.PESSIMISTIC_WRITE);
    if (r == null || r.version != version) {
      throw new LostLease("rollout " + state.id() + " changed underneath");
    }
    fill(r, state);
    insertEvents(state.id(), events);
    r.flush();
    var em = RolloutRecord.getEntityManager();
    if (state.phase().isTerminal()) {
      em.createNativeQuery("DELETE FROM host_claim WHERE rollout_id = :id")
          .setParameter("id", state.id())
          .executeUpdate();
    } else if (!release.isEmpty()) {
      List<String> all = List.copyOf(release);
      for (int from = 0; from < all.size(); from += 1000) {
        em.createNativeQuery("DELETE FROM host_claim WHERE rollout_id = :id AND host IN (:hosts)")
            .setParameter("id", state.id())
            .setParameter("hosts", all.subList(from, Math.min(all.size(), from + 1000)))
            .executeUpdate();
      }
    }
    return r.version;
  }

  private void fill(RolloutRecord r, RolloutState s) {
    if (!s.phase().name().equals(r.phase)) {
      r.phaseSince = odt(clock.instant());
    }
    r.phase = s.phase().name();
    r.runningPolicy = s.phase().isTerminal() ? null : s.policy().name();
    r.reason = s.reason().name();
    r.detail = clip(s.detail(), 4000);
    r.wave = s.wave();
    r.updatedAt = odt(clock.instant());
    r.state = encode(s);
  }

  private void insertEvents(long rolloutId, List<Event> events) {
    for (Event e : events) {
      RolloutEventRecord row = new RolloutEventRecord();
      row.rolloutId = rolloutId;
      row.occurredAt = odt(e.at());
      row.reason = e.reason().name();
      row.wave = e.wave().orElse(null);
      row.host = e.host().orElse(null);
      row.actor = e.actor();
      row.detail = clip(e.detail(), 4000);
      row.persist();
    }
  }

  private String encode(RolloutState s) {
    try {
      return json.writeValueAsString(
          new StateDocument(
              s.startedBy(),
              s.startedAt(),
              s.phase(),
              s.reason(),
              s.detail(),
              s.resumeTo(),
              s.patchSet(),
              s.wave(),
              s.waves(),
              s.hosts(),
              s.scope()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode rollout state", e);
    }
  }

  private Stored decode(RolloutRecord r) {
    try {
      StateDocument d = json.readValue(r.state, StateDocument.class);
      RolloutPolicy policy = PolicyReader.read(r.policySource);
      RolloutState s =
          new RolloutState(
              r.id,
              policy,
              d.startedBy(),
              d.startedAt(),
              d.phase(),
              d.reason(),
              d.detail(),
              d.resumeTo(),
              d.patchSet(),
              d.wave(),
              d.waves(),
              d.hosts(),
              // documents written before scopes existed: the policy's own rule
              d.scope() == null ? RolloutState.scopeOf(policy) : d.scope());
      return new Stored(s, r.policySource, r.version);
    } catch (JsonProcessingException | DocumentException e) {
      throw new IllegalStateException(
          "rollout " + r.id + " cannot be read back: " + e.getMessage(), e);
    }
  }

  private static RolloutState withId(RolloutState s, long id) {
    return new RolloutState(
        id,
        s.policy(),
        s.startedBy(),
        s.startedAt(),
        s.phase(),
        s.reason(),
        s.detail(),
        s.resumeTo(),
        s.patchSet(),
        s.wave(),
        s.waves(),
        s.hosts(),
        s.scope());
  }

  static OffsetDateTime odt(Instant t) {
    return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }
}
