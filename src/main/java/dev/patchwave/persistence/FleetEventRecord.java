package dev.patchwave.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** One event about the fleet. Inserted, never updated or deleted. */
@Entity
@Table(name = "fleet_event")
public class FleetEventRecord extends PanacheEntityBase {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "occurred_at", nullable = false)
  public OffsetDateTime occurredAt;

  @Column(nullable = false, length = 40)
  public String kind;

  @Column(length = 253)
  public String host;

  @Column(length = 63)
  public String policy;

  @Column(name = "rollout_id")
  public Long rolloutId;

  @Column(nullable = false)
  public String actor;

  @Column(nullable = false, length = 4000)
  public String detail;
}
