package dev.patchwave.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A person's command waiting for the leader (see {@link CommandInbox}). */
@Entity
@Table(name = "rollout_command")
public class RolloutCommandRecord extends PanacheEntityBase {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "rollout_id", nullable = false)
  public long rolloutId;

  @Column(nullable = false, length = 16)
  public String kind;

  public Integer wave;

  @Column(nullable = false)
  public String actor;

  @Column(name = "created_at", nullable = false)
  public OffsetDateTime createdAt;

  @Column(name = "applied_at")
  public OffsetDateTime appliedAt;

  /** Why the command had no effect, if it had none (set when it is applied). */
  @Column(length = 1000)
  public String refusal;
}
