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
 * What one failed host of a halted rollout had newly installed, quarantined together as suspects
 * (ADR 20). One per rollout and host.
 */
@Entity
@Table(name = "quarantine_incident")
public class IncidentRecord extends PanacheEntityBase {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "rollout_id", nullable = false)
  public Long rolloutId;

  @Column(nullable = false, length = 253)
  public String host;

  @Column(nullable = false, length = 2000)
  public String reason;

  @Column(name = "created_at", nullable = false)
  public OffsetDateTime createdAt;
}
