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
      Map<String, HostState> hosts) {}

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

  /** Creates a rollout row; its id is assigned by the database. */
  @Transactional
  public RolloutState create(RolloutState draft, String policySource, List<Event> events) {
    RolloutRecord r = new RolloutRecord();
    r.policyName = draft.policy().name();
    r.policySource = policySource;
    r.startedBy = draft.startedBy();
    r.startedAt = odt(draft.startedAt());
    fill(r, draft);
    r.persist();
    r.flush();
    RolloutState saved = withId(draft, r.id);
    r.state = encode(saved);
    insertEvents(r.id, events);
    return saved;
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
    return RolloutRecord.<RolloutRecord>list(
            "phase not in ?1",
            List.of(
                RolloutPhase.HALTED.name(),
                RolloutPhase.COMPLETED.name(),
                RolloutPhase.ABORTED.name()))
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
  public boolean hasActiveRollout(String policyName) {
    return RolloutRecord.count(
            "policyName = ?1 and phase not in ?2",
            policyName,
            List.of(
                RolloutPhase.HALTED.name(),
                RolloutPhase.COMPLETED.name(),
                RolloutPhase.ABORTED.name()))
        > 0;
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
   * version}.
   *
   * @throws LostLease otherwise; nothing is written
   */
  @Transactional
  public long save(RolloutState state, List<Event> events, Fence fence, long version) {
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
    return r.version;
  }

  private void fill(RolloutRecord r, RolloutState s) {
    if (!s.phase().name().equals(r.phase)) {
      r.phaseSince = odt(clock.instant());
    }
    r.phase = s.phase().name();
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
              s.hosts()));
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
              d.hosts());
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
        s.hosts());
  }

  static OffsetDateTime odt(Instant t) {
    return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }
}
