package dev.patchwave.persistence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.patchwave.doc.DocumentException;
import dev.patchwave.patch.PatchSet;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.Event;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.HostTable;
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
import java.util.BitSet;
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
  private final PolicyTexts texts;

  public RolloutStore(ObjectMapper json, Clock clock, PolicyTexts texts) {
    this.json = json;
    this.clock = clock;
    this.texts = texts;
  }

  /**
   * The rollout-level state document: a {@link RolloutState} without its policy (a {@code
   * policy_text} row) and without its hosts (rows of {@code rollout_host}, which also say which
   * wave lists each host). Documents written before V10 carry the hosts and the waves' host lists.
   */
  record StateDocument(
      String startedBy,
      Instant startedAt,
      RolloutPhase phase,
      Reason reason,
      String detail,
      Optional<RolloutPhase> resumeTo,
      Optional<PatchSet> patchSet,
      int wave,
      List<WaveDocument> waves,
      Map<String, HostState> hosts,
      RolloutScope scope) {}

  /** A wave in the state document; {@code hosts} only in documents written before V10. */
  record WaveDocument(
      String name,
      List<String> hosts,
      java.time.Duration soak,
      boolean manualApproval,
      Optional<Instant> startedAt,
      Optional<Instant> soakStartedAt,
      Optional<String> approvedBy) {

    static WaveDocument of(WaveState w) {
      return new WaveDocument(
          w.name(),
          null,
          w.soak(),
          w.manualApproval(),
          w.startedAt(),
          w.soakStartedAt(),
          w.approvedBy());
    }

    WaveState with(List<String> names) {
      return new WaveState(name, names, soak, manualApproval, startedAt, soakStartedAt, approvedBy);
    }
  }

  /** A rollout as stored, and the version a save must find to succeed. */
  public record Stored(RolloutState state, long version) {}

  /** The right to act on one rollout: valid while the lease row still carries this token. */
  public record Fence(long rolloutId, String holder, long token, Duration ttl) {}

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
    long text = policyText(policySource);
    RolloutRecord r = new RolloutRecord();
    r.policyName = draft.policy().name();
    r.runningPolicy = draft.policy().name();
    r.policyTextId = text;
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
    writeHosts(r.id, null, saved);
    insertEvents(r.id, events);
    return saved;
  }

  /** The {@code policy_text} row of {@code source}; a concurrent insert of the same text wins. */
  private long policyText(String source) {
    try {
      return texts.idOf(source);
    } catch (jakarta.persistence.PersistenceException e) {
      if (!isConflict(e)) {
        throw e;
      }
      return texts.idOf(source);
    }
  }

  /**
   * A unique constraint said no (SQLState class 23), or a concurrent insert of the same key timed
   * out or lost to another transaction (H2: HYT00 lock timeout, 90131 concurrent update;
   * PostgreSQL: 40001, 40P01): another start won. Anything else is a fault.
   */
  static boolean isConflict(Throwable e) {
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

  /**
   * A rollout without reading its hosts: the state with no hosts (its waves list none), and how
   * many hosts each wave lists in each phase (wave -1: hosts a replan left out of every wave).
   */
  public record Summary(
      RolloutState state, Map<Integer, Map<dev.patchwave.rollout.HostPhase, Integer>> counts) {}

  @Transactional
  public Optional<Summary> summary(long id) {
    RolloutRecord r = RolloutRecord.findById(id);
    if (r == null) {
      return Optional.empty();
    }
    if (r.policyTextId == null) {
      // stored before V10 and not yet moved: the hosts are in the document
      return Optional.of(summaryOf(decode(r).state()));
    }
    Map<Integer, Map<dev.patchwave.rollout.HostPhase, Integer>> counts = new java.util.TreeMap<>();
    @SuppressWarnings("unchecked")
    List<Object[]> rows =
        RolloutRecord.getEntityManager()
            .createNativeQuery(
                "SELECT wave, phase, COUNT(*) FROM rollout_host WHERE rollout_id = :id"
                    + " GROUP BY wave, phase")
            .setParameter("id", id)
            .getResultList();
    for (Object[] row : rows) {
      counts
          .computeIfAbsent(
              ((Number) row[0]).intValue(),
              w -> new java.util.EnumMap<>(dev.patchwave.rollout.HostPhase.class))
          .put(
              dev.patchwave.rollout.HostPhase.valueOf((String) row[1]),
              ((Number) row[2]).intValue());
    }
    return Optional.of(new Summary(shell(r), counts));
  }

  /** The summary of a state in memory: the counts its host table keeps. */
  public static Summary summaryOf(RolloutState s) {
    Map<Integer, Map<dev.patchwave.rollout.HostPhase, Integer>> counts = new java.util.TreeMap<>();
    HostTable t = s.table();
    int listed = 0;
    for (int w = 0; w < s.waves().size(); w++) {
      listed += s.waves().get(w).hosts().size();
      for (var p : dev.patchwave.rollout.HostPhase.values()) {
        if (t.count(w, p) > 0) {
          counts
              .computeIfAbsent(
                  w, x -> new java.util.EnumMap<>(dev.patchwave.rollout.HostPhase.class))
              .put(p, t.count(w, p));
        }
      }
    }
    // hosts a replan left out of every wave: SKIPPED, counted under wave 0 by the table
    int outside = t.size() - listed;
    if (outside > 0) {
      var first = counts.get(0);
      first.merge(dev.patchwave.rollout.HostPhase.SKIPPED, -outside, Integer::sum);
      if (first.get(dev.patchwave.rollout.HostPhase.SKIPPED) == 0) {
        first.remove(dev.patchwave.rollout.HostPhase.SKIPPED);
      }
      counts.put(
          -1, new java.util.EnumMap<>(Map.of(dev.patchwave.rollout.HostPhase.SKIPPED, outside)));
    }
    return new Summary(s, counts);
  }

  /**
   * The state the document {@code d} of rollout {@code id} describes, with these waves and hosts.
   */
  private static RolloutState state(
      long id,
      RolloutPolicy policy,
      StateDocument d,
      List<WaveState> waves,
      Map<String, HostState> hosts) {
    return new RolloutState(
        id,
        policy,
        d.startedBy(),
        d.startedAt(),
        d.phase(),
        d.reason(),
        d.detail(),
        d.resumeTo(),
        d.patchSet(),
        d.wave(),
        waves,
        hosts,
        // documents written before scopes existed: the policy's own rule
        d.scope() == null ? RolloutState.scopeOf(policy) : d.scope());
  }

  /** The rollout of row {@code r} with no hosts read. */
  private RolloutState shell(RolloutRecord r) {
    try {
      StateDocument d = json.readValue(r.state, StateDocument.class);
      RolloutPolicy policy = texts.policy(r.policyTextId);
      return state(
          r.id, policy, d, d.waves().stream().map(w -> w.with(List.of())).toList(), Map.of());
    } catch (JsonProcessingException | DocumentException e) {
      throw new IllegalStateException(
          "rollout " + r.id + " cannot be read back: " + e.getMessage(), e);
    }
  }

  /** A host of a rollout as listed: its state, and the wave whose list it is in (-1: none). */
  public record ListedHost(HostState state, int wave) {}

  /**
   * The hosts of rollout {@code id} sorted by name, after {@code after}, at most {@code limit},
   * filtered by phase, listed wave and name prefix (each when given).
   */
  @Transactional
  public List<ListedHost> hosts(
      long id,
      Optional<dev.patchwave.rollout.HostPhase> phase,
      Optional<Integer> wave,
      Optional<String> prefix,
      Optional<String> after,
      int limit) {
    StringBuilder sql =
        new StringBuilder("SELECT state, wave FROM rollout_host WHERE rollout_id = :id");
    phase.ifPresent(p -> sql.append(" AND phase = :phase"));
    wave.ifPresent(w -> sql.append(" AND wave = :wave"));
    prefix.ifPresent(p -> sql.append(" AND host LIKE :prefix ESCAPE '!'"));
    after.ifPresent(a -> sql.append(" AND host > :after"));
    sql.append(" ORDER BY host");
    var q =
        RolloutRecord.getEntityManager()
            .createNativeQuery(sql.toString())
            .setParameter("id", id)
            .setMaxResults(limit);
    phase.ifPresent(p -> q.setParameter("phase", p.name()));
    wave.ifPresent(w -> q.setParameter("wave", w));
    prefix.ifPresent(
        p ->
            q.setParameter(
                "prefix", p.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"));
    after.ifPresent(a -> q.setParameter("after", a));
    @SuppressWarnings("unchecked")
    List<Object[]> rows = q.getResultList();
    var reader = json.readerFor(HostState.class);
    List<ListedHost> out = new java.util.ArrayList<>(rows.size());
    for (Object[] row : rows) {
      try {
        out.add(new ListedHost(reader.readValue(text(row[0])), ((Number) row[1]).intValue()));
      } catch (java.io.IOException e) {
        throw new IllegalStateException("rollout " + id + ": a host row cannot be read back", e);
      }
    }
    return out;
  }

  private static String text(Object column) {
    if (column instanceof java.sql.Clob c) {
      try {
        return c.getSubString(1, (int) c.length());
      } catch (java.sql.SQLException e) {
        throw new IllegalStateException(e);
      }
    }
    return (String) column;
  }

  /**
   * Moves every rollout stored before V10 (hosts inside its document, its own copy of the policy
   * text) to host rows and a shared policy text. Run at start, before any rollout is decided;
   * idempotent, and safe for two instances at once (each rollout under its row lock).
   *
   * @return how many rollouts were moved
   */
  @Transactional
  public int upgradeStored() {
    List<Long> ids =
        RolloutRecord.getEntityManager()
            .createQuery(
                "select r.id from RolloutRecord r where r.policyTextId is null", Long.class)
            .getResultList();
    int moved = 0;
    for (long id : ids) {
      if (upgradeIfStoredBefore(id)) {
        moved++;
      }
    }
    return moved;
  }

  /** Moves rollout {@code id} to host rows if it was stored before V10; true if it was. */
  @Transactional
  public boolean upgradeIfStoredBefore(long id) {
    RolloutRecord r = RolloutRecord.findById(id, LockModeType.PESSIMISTIC_WRITE);
    if (r == null || r.policyTextId != null) {
      return false;
    }
    RolloutState s = decode(r).state();
    r.policyTextId = policyText(r.policySource);
    r.policySource = null;
    r.state = encode(s);
    r.updatedAt = odt(clock.instant());
    writeHosts(r.id, null, s);
    return true;
  }

  /** The version of rollout {@code id}'s row: it changes with every save. */
  @Transactional
  public Optional<Long> version(long id) {
    return RolloutRecord.getEntityManager()
        .createQuery("select r.version from RolloutRecord r where r.id = :id", Long.class)
        .setParameter("id", id)
        .getResultStream()
        .findFirst();
  }

  /** Ids of the rollouts {@code actor} started, oldest first. */
  @Transactional
  public List<Long> startedBy(String actor) {
    return RolloutRecord.getEntityManager()
        .createQuery(
            "select r.id from RolloutRecord r where r.startedBy = ?1 order by r.id", Long.class)
        .setParameter(1, actor)
        .getResultList();
  }

  /** The text of the policy rollout {@code id} runs, as it was when the rollout started. */
  @Transactional
  public Optional<String> policySource(long id) {
    RolloutRecord r = RolloutRecord.findById(id);
    if (r == null) {
      return Optional.empty();
    }
    return Optional.of(r.policyTextId != null ? texts.source(r.policyTextId) : r.policySource);
  }

  /** The newest rollout of {@code policyName}, if it ever had one. */
  @Transactional
  public Optional<RolloutRecord> latestOf(String policyName) {
    return RolloutRecord.<RolloutRecord>find(
            "policyName", io.quarkus.panache.common.Sort.descending("id"), policyName)
        .firstResultOptional();
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
    return RolloutRecord.<RolloutRecord>list(
            "phase not in ?1",
            Sort.ascending("id"),
            java.util.Arrays.stream(dev.patchwave.rollout.RolloutPhase.values())
                .filter(dev.patchwave.rollout.RolloutPhase::isTerminal)
                .map(Enum::name)
                .toList())
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
      return Optional.of(new Fence(rolloutId, holder, 1, ttl));
    }
    if (!lease.holder.equals(holder) && lease.expiresAt.isAfter(now)) {
      return Optional.empty();
    }
    if (!lease.holder.equals(holder)) {
      lease.holder = holder;
      lease.token++;
    }
    lease.expiresAt = now.plus(ttl);
    return Optional.of(new Fence(rolloutId, holder, lease.token, ttl));
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

  /**
   * Whether a host step of the rollout may still change a host: {@code fence} holds (as {@link
   * #isValid}) and the rollout has not halted or been aborted meanwhile. One read of both rows.
   */
  @Transactional
  public boolean mayAct(Fence fence) {
    List<Object[]> rows =
        RolloutRecord.getEntityManager()
            .createQuery(
                "select l.holder, l.token, l.expiresAt, r.phase from RolloutLease l,"
                    + " RolloutRecord r where l.rolloutId = :id and r.id = :id",
                Object[].class)
            .setParameter("id", fence.rolloutId())
            .getResultList();
    if (rows.isEmpty()) {
      return false;
    }
    Object[] row = rows.get(0);
    String phase = (String) row[3];
    return fence.holder().equals(row[0])
        && ((Number) row[1]).longValue() == fence.token()
        && ((OffsetDateTime) row[2]).isAfter(odt(clock.instant()))
        && !RolloutPhase.HALTED.name().equals(phase)
        && !RolloutPhase.ABORTED.name().equals(phase);
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
   * Saves the state and its events, rewriting every host row: {@link #save(RolloutState,
   * RolloutState, List, Fence, long, java.util.Collection)} without a state to compare with.
   */
  @Transactional
  public long save(
      RolloutState state,
      List<Event> events,
      Fence fence,
      long version,
      java.util.Collection<String> release) {
    return save(null, state, events, fence, version, release);
  }

  /**
   * Saves the state and its events, if {@code fence} still holds and nobody saved since {@code
   * version}, and releases the claims of the hosts the rollout is done with (all of them once it
   * has ended). Of the hosts, only those that changed since {@code before} (the state as loaded at
   * {@code version}) are written; all of them when {@code before} is null.
   *
   * <p>The save extends the lease by its length, as a renewal would.
   *
   * @param release hosts whose claims to delete
   * @throws LostLease otherwise; nothing is written
   */
  @Transactional
  public long save(
      RolloutState before,
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
    // a save is proof of life: it extends the lease it holds (the lock is ours already), so a
    // long save never leaves the renewal waiting for that lock to find the lease expired
    OffsetDateTime until = odt(clock.instant()).plus(fence.ttl());
    if (until.isAfter(lease.expiresAt)) {
      lease.expiresAt = until;
    }
    if (r.policyTextId == null) {
      // stored before V10: its hosts were in the document; from now on they are rows
      r.policyTextId = policyText(r.policySource);
      r.policySource = null;
      before = null;
    }
    fill(r, state);
    writeHosts(r.id, before, state);
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

  /**
   * Writes the host rows of {@code state}: those that changed since {@code before} by UPDATE, or,
   * without {@code before} or when the hosts themselves changed (a replan), all of them again.
   */
  private void writeHosts(long rolloutId, RolloutState before, RolloutState state) {
    HostTable table = state.table();
    boolean all = before == null || table.isRebuiltFrom(before.table());
    BitSet changed = all ? null : table.changesFrom(before.table());
    if (!all && changed.isEmpty()) {
      return;
    }
    int[] waveOf = all ? waveOf(state) : null;
    RolloutRecord.getEntityManager()
        .unwrap(org.hibernate.Session.class)
        .doWork(
            c -> {
              if (all) {
                try (var delete =
                    c.prepareStatement("DELETE FROM rollout_host WHERE rollout_id = ?")) {
                  delete.setLong(1, rolloutId);
                  delete.executeUpdate();
                }
              }
              String sql =
                  all
                      ? "INSERT INTO rollout_host (ordinal, wave, phase, state, rollout_id, host)"
                          + " VALUES (?, ?, ?, ?, ?, ?)"
                      : "UPDATE rollout_host SET phase = ?, state = ?"
                          + " WHERE rollout_id = ? AND host = ?";
              try (var write = c.prepareStatement(sql)) {
                int batch = 0;
                int n = table.size();
                for (int i = all ? 0 : changed.nextSetBit(0);
                    i >= 0 && i < n;
                    i = all ? i + 1 : changed.nextSetBit(i + 1)) {
                  HostState h = table.at(i);
                  int p = 1;
                  if (all) {
                    write.setInt(p++, i);
                    write.setInt(p++, waveOf[i]);
                  }
                  write.setString(p++, h.phase().name());
                  write.setString(p++, encode(h));
                  write.setLong(p++, rolloutId);
                  write.setString(p, h.name());
                  write.addBatch();
                  if (++batch % 500 == 0) {
                    write.executeBatch();
                  }
                }
                write.executeBatch();
              }
            });
  }

  /** The wave whose host list each host (by ordinal) is in, or -1. */
  private static int[] waveOf(RolloutState state) {
    int[] out = new int[state.table().size()];
    java.util.Arrays.fill(out, -1);
    for (int w = 0; w < state.waves().size(); w++) {
      for (String name : state.waves().get(w).hosts()) {
        out[state.table().ordinalOf(name)] = w;
      }
    }
    return out;
  }

  /** A rollout proving an incident's suspects (ADR 20) holds its host, not its policy. */
  private void fill(RolloutRecord r, RolloutState s) {
    if (!s.phase().name().equals(r.phase)) {
      r.phaseSince = odt(clock.instant());
    }
    r.phase = s.phase().name();
    r.runningPolicy =
        s.phase().isTerminal() || s.scope().provesSuspects() ? null : s.policy().name();
    r.reason = s.reason().name();
    r.detail = clip(s.detail(), 4000);
    r.wave = s.wave();
    r.updatedAt = odt(clock.instant());
    r.state = encode(s);
  }

  /** Appends the events, in one JDBC batch (a decision that starts a wave has one per host). */
  private void insertEvents(long rolloutId, List<Event> events) {
    if (events.isEmpty()) {
      return;
    }
    RolloutRecord.getEntityManager()
        .unwrap(org.hibernate.Session.class)
        .doWork(
            c -> {
              try (var insert =
                  c.prepareStatement(
                      "INSERT INTO rollout_event (rollout_id, occurred_at, reason, wave, host,"
                          + " actor, detail) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                int batch = 0;
                for (Event e : events) {
                  insert.setLong(1, rolloutId);
                  insert.setObject(2, odt(e.at()));
                  insert.setString(3, e.reason().name());
                  if (e.wave().isPresent()) {
                    insert.setInt(4, e.wave().get());
                  } else {
                    insert.setNull(4, java.sql.Types.INTEGER);
                  }
                  insert.setString(5, e.host().orElse(null));
                  insert.setString(6, e.actor());
                  insert.setString(7, clip(e.detail(), 4000));
                  insert.addBatch();
                  if (++batch % 500 == 0) {
                    insert.executeBatch();
                  }
                }
                insert.executeBatch();
              }
            });
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
              s.waves().stream().map(WaveDocument::of).toList(),
              null,
              s.scope()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode rollout state", e);
    }
  }

  private String encode(HostState h) {
    try {
      return json.writeValueAsString(h);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode host state of " + h.name(), e);
    }
  }

  private Stored decode(RolloutRecord r) {
    try {
      StateDocument d = json.readValue(r.state, StateDocument.class);
      RolloutPolicy policy =
          r.policyTextId != null ? texts.policy(r.policyTextId) : PolicyReader.read(r.policySource);
      List<WaveState> waves;
      Map<String, HostState> hosts;
      if (d.hosts() != null) {
        // stored before V10: hosts and wave lists in the document
        waves = d.waves().stream().map(w -> w.with(w.hosts())).toList();
        hosts = d.hosts();
      } else {
        List<List<String>> lists = new java.util.ArrayList<>();
        d.waves().forEach(w -> lists.add(new java.util.ArrayList<>()));
        List<HostState> rows = new java.util.ArrayList<>();
        readHosts(r.id, lists, rows);
        waves = new java.util.ArrayList<>();
        for (int i = 0; i < d.waves().size(); i++) {
          waves.add(d.waves().get(i).with(lists.get(i)));
        }
        hosts = HostTable.of(rows);
      }
      RolloutState s = state(r.id, policy, d, waves, hosts);
      return new Stored(s, r.version);
    } catch (JsonProcessingException | DocumentException e) {
      throw new IllegalStateException(
          "rollout " + r.id + " cannot be read back: " + e.getMessage(), e);
    }
  }

  /** Reads the host rows of rollout {@code id} in plan order, listing each in its wave. */
  private void readHosts(long id, List<List<String>> waves, List<HostState> out) {
    RolloutRecord.getEntityManager()
        .unwrap(org.hibernate.Session.class)
        .doWork(
            c -> {
              try (var q =
                  c.prepareStatement(
                      "SELECT wave, state FROM rollout_host WHERE rollout_id = ? ORDER BY ordinal")) {
                q.setLong(1, id);
                q.setFetchSize(1000);
                try (var rs = q.executeQuery()) {
                  var reader = json.readerFor(HostState.class);
                  while (rs.next()) {
                    int wave = rs.getInt(1);
                    HostState h;
                    try {
                      h = reader.readValue(rs.getString(2));
                    } catch (java.io.IOException e) {
                      throw new IllegalStateException(
                          "rollout " + id + ": a host row cannot be read back: " + e.getMessage(),
                          e);
                    }
                    out.add(h);
                    if (wave >= 0 && wave < waves.size()) {
                      waves.get(wave).add(h.name());
                    }
                  }
                }
              }
            });
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

  /**
   * When {@code policy} was started at least {@code atLeast} times at or after {@code since}: the
   * earliest of those starts (the one whose hour frees a start first); empty if fewer.
   */
  @Transactional
  public Optional<Instant> startsSince(String policy, Instant since, int atLeast) {
    List<OffsetDateTime> started =
        RolloutRecord.getEntityManager()
            .createQuery(
                "select r.startedAt from RolloutRecord r where r.policyName = ?1"
                    + " and r.startedAt >= ?2 order by r.startedAt",
                OffsetDateTime.class)
            .setParameter(1, policy)
            .setParameter(2, odt(since))
            .setMaxResults(atLeast)
            .getResultList();
    return started.size() < atLeast ? Optional.empty() : Optional.of(started.get(0).toInstant());
  }

  static OffsetDateTime odt(Instant t) {
    return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }
}
