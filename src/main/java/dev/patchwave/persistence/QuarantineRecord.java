package dev.patchwave.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A package version blocked fleet-wide; released by setting {@link #releasedAt}, never deleted. */
@Entity
@Table(name = "quarantine")
public class QuarantineRecord extends PanacheEntityBase {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "package_name", nullable = false, length = 128)
  public String packageName;

  @Column(nullable = false, length = 200)
  public String version;

  @Column(name = "rollout_id")
  public Long rolloutId;

  @Column(length = 253)
  public String host;

  @Column(nullable = false, length = 2000)
  public String reason;

  @Column(name = "created_at", nullable = false)
  public OffsetDateTime createdAt;

  @Column(name = "created_by", nullable = false)
  public String createdBy;

  @Column(name = "released_at")
  public OffsetDateTime releasedAt;

  @Column(name = "released_by")
  public String releasedBy;

  /** The incident whose suspect this is (ADR 20); null for a version quarantined by hand. */
  @Column(name = "incident_id")
  public Long incidentId;

  /** SUSPECT, INNOCENT or CULPRIT for an incident's entry; null for one quarantined by hand. */
  @Column(length = 16)
  public String verdict;
}
