package dev.patchwave.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.OffsetDateTime;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A rollout row: the rollout-level state document plus the columns it is listed by; its hosts are
 * rows of {@code rollout_host}.
 */
@Entity
@Table(name = "rollout")
public class RolloutRecord extends PanacheEntityBase {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "policy_name", nullable = false, length = 63)
  public String policyName;

  /**
   * The policy text the rollout started from, for rollouts stored before V10; newer ones refer to
   * {@link #policyTextId}. Later edits of the policy change neither.
   */
  @Column(name = "policy_source", length = 1_048_576)
  public String policySource;

  /** The {@code policy_text} row of the policy the rollout started from. */
  @Column(name = "policy_text_id")
  public Long policyTextId;

  @Column(nullable = false, length = 32)
  public String phase;

  /**
   * The policy's name while the rollout is unfinished, else null: unique, so a policy has at most
   * one unfinished rollout.
   */
  @Column(name = "running_policy", length = 63)
  public String runningPolicy;

  @Column(nullable = false, length = 64)
  public String reason;

  @Column(nullable = false, length = 4000)
  public String detail;

  @Column(nullable = false)
  public int wave;

  @Column(name = "started_by", nullable = false)
  public String startedBy;

  @Column(name = "started_at", nullable = false)
  public OffsetDateTime startedAt;

  @Column(name = "updated_at", nullable = false)
  public OffsetDateTime updatedAt;

  /** When the rollout entered its current phase. */
  @Column(name = "phase_since", nullable = false)
  public OffsetDateTime phaseSince;

  /**
   * {@link dev.patchwave.rollout.RolloutState} without its policy and hosts, as JSON (before V10:
   * with its hosts).
   */
  @JdbcTypeCode(SqlTypes.LONG32VARCHAR)
  @Column(nullable = false)
  public String state;

  /** Optimistic lock: two writers never both win. */
  @Version public long version;
}
