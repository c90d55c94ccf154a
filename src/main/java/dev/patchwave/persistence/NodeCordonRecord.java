package dev.patchwave.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A node Patchwave cordoned for a rollout, and when it let it go. */
@Entity
@Table(name = "node_cordon")
public class NodeCordonRecord extends PanacheEntityBase {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(nullable = false, length = 253)
  public String node;

  @Column(name = "rollout_id", nullable = false)
  public long rolloutId;

  @Column(name = "cordoned_at", nullable = false)
  public OffsetDateTime cordonedAt;

  @Column(name = "released_at")
  public OffsetDateTime releasedAt;
}
