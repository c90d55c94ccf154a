package dev.patchwave.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** One transition of a rollout. Inserted, never updated or deleted. */
@Entity
@Table(name = "rollout_event")
public class RolloutEventRecord extends PanacheEntityBase {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "rollout_id", nullable = false)
  public long rolloutId;

  @Column(name = "occurred_at", nullable = false)
  public OffsetDateTime occurredAt;

  @Column(nullable = false, length = 64)
  public String reason;

  public Integer wave;

  @Column(length = 253)
  public String host;

  @Column(nullable = false)
  public String actor;

  @Column(nullable = false, length = 4000)
  public String detail;
}
