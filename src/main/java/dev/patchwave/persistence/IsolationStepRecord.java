package dev.patchwave.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/**
 * One proof of an isolation: versions installed together by one proving rollout, and the outcome.
 */
@Entity
@Table(name = "isolation_step")
public class IsolationStepRecord extends PanacheEntityBase {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "isolation_id", nullable = false)
  public Long isolationId;

  @Column(nullable = false)
  public int ordinal;

  /** The versions, {@code name=version} separated by spaces. */
  @Column(nullable = false, length = 4000)
  public String versions;

  @Column(name = "rollout_id")
  public Long rolloutId;

  /** INNOCENT, GUILTY or INCONCLUSIVE; null while the proof runs. */
  @Column(length = 16)
  public String outcome;

  @Column(nullable = false, length = 4000)
  public String detail;

  @Column(name = "started_at", nullable = false)
  public OffsetDateTime startedAt;

  @Column(name = "finished_at")
  public OffsetDateTime finishedAt;
}
