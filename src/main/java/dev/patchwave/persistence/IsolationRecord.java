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
 * One culprit isolation of an incident on one host (ADR 20). {@code runningIncident} and {@code
 * runningHost} are set while it runs and cleared when it ends; unique indexes on them allow one
 * running isolation per incident and per host.
 */
@Entity
@Table(name = "isolation")
public class IsolationRecord extends PanacheEntityBase {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "incident_id", nullable = false)
  public Long incidentId;

  @Column(nullable = false, length = 253)
  public String host;

  @Column(nullable = false, length = 16)
  public String strategy;

  /** RUNNING, ISOLATED, NARROWED, CLEARED, INCONCLUSIVE or ABORTED. */
  @Column(nullable = false, length = 16)
  public String phase;

  @Column(nullable = false, length = 4000)
  public String detail;

  @Column(name = "started_by", nullable = false)
  public String startedBy;

  @Column(name = "started_at", nullable = false)
  public OffsetDateTime startedAt;

  @Column(name = "finished_at")
  public OffsetDateTime finishedAt;

  @Column(name = "running_incident")
  public Long runningIncident;

  @Column(name = "running_host", length = 253)
  public String runningHost;
}
